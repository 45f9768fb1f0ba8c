package dev.llmmesh.mesh.inference;

import java.time.Instant;
import java.util.List;

/**
 * Texts to label with a classifier model, answered by one {@link CompletionChunk} whose {@code classified} holds
 * one {@link Classification} per input, in order. The texts travel as text, as a completion's prompt does: the
 * replica tokenizes them with the model's tokenizer and truncates each to the classifier's maximum length, as its
 * training did. Keyed by the request id, so requests spread over the partitions and the replicas owning them.
 *
 * @param inputs   1 to {@link #MAX_INPUTS} non-empty texts, labeled in batched forwards (a replica cuts them into
 *                 micro-batches by its memory budget)
 * @param deadline after this instant nobody waits for the answer: a replica drops the request
 */
public record ClassifyRequest(int schemaVersion, String requestId, String modelId, List<String> inputs,
                              Instant deadline) implements InferenceCommand {
    public static final String TYPE = "classify";
    /** The most texts one request may carry, all answered in one chunk. */
    public static final int MAX_INPUTS = 256;

    public ClassifyRequest {
        inputs = inputs == null ? null : List.copyOf(inputs);
    }

    @Override
    public String routingKey() {
        return requestId;
    }
}
