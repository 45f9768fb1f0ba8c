package dev.llmmesh.inference;

import java.time.Duration;
import java.util.Set;

/**
 * How this replica serves (the {@code llm.inference} block of application.yml).
 *
 * @param models        model ids to serve; empty serves every announced model
 * @param consumerGroup the group replicas share {@code llm.inference.requests} in
 * @param maxSequences  sequences decoding together per model
 * @param capacity      positions per sequence; 0 takes the model's context length
 * @param chunkTokens   a choice's buffered tokens go out once there are this many
 * @param chunkInterval ... or once the oldest of them waited this long
 * @param replica       this replica's name in the chunks it writes
 */
public record InferenceSettings(Set<String> models, String consumerGroup, int maxSequences, int capacity,
                                int chunkTokens, Duration chunkInterval, String replica) {
    public InferenceSettings {
        models = Set.copyOf(models);
        if (maxSequences < 1) {
            throw new IllegalArgumentException("llm.inference.max-sequences must be >= 1, got " + maxSequences);
        }
        if (capacity < 0) {
            throw new IllegalArgumentException("llm.inference.capacity must be >= 0, got " + capacity);
        }
        if (chunkTokens < 1) {
            throw new IllegalArgumentException("llm.inference.chunk-tokens must be >= 1, got " + chunkTokens);
        }
    }

    public boolean serves(String modelId) {
        return models.isEmpty() || models.contains(modelId);
    }
}
