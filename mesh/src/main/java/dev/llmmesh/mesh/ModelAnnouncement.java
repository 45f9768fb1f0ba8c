package dev.llmmesh.mesh;

import java.time.Instant;
import java.util.Map;

/**
 * A published model on {@link Topics#MODELS} (compacted, key = modelId): what it is and where its files are.
 *
 * @param config      the model's shape (GptConfig's fields)
 * @param artifact    artifact-store prefix holding {@code model.safetensors} and {@code config.json}
 * @param parentModel the model it was trained from, null for a model trained from scratch
 * @param metrics     final numbers of its training run (loss, validation loss, steps, tokens)
 */
public record ModelAnnouncement(String type, int schemaVersion, String modelId, Map<String, Object> config,
                                String tokenizerId, String artifact, String parentModel, String jobId,
                                Map<String, Double> metrics, Instant createdAt) {
    public static final String TYPE = "model";
    public static final int SCHEMA_VERSION = 1;
}
