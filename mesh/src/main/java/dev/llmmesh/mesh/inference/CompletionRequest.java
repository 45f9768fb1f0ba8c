package dev.llmmesh.mesh.inference;

import java.time.Instant;
import java.util.List;

/**
 * One completion to generate: the prompt as text (the replica tokenizes it with the model's tokenizer) and the
 * sampling settings with OpenAI's meanings. The gateway always sets {@code seed}, so a replica that takes over a
 * request after another died generates the same tokens, and the gateway can skip what it already relayed.
 *
 * @param conversationId optional; when given it is the routing key
 * @param maxTokens      null: as many as fit in the model's context (OpenAI chat's default; the gateway sends 16,
 *                       the default of OpenAI's completions, when a completion request does not say)
 * @param n              choices, 1 to {@link #MAX_N}
 * @param logprobs       null for none, else how many alternatives (0-20) besides the chosen token
 * @param echo           also return the prompt's tokens with their log probabilities
 * @param deadline       after this instant nobody waits for the answer: a replica drops the request
 * @param stream         false when nobody watches the tokens arrive (a non-streamed client): the replica sends each
 *                       choice as one chunk at its end, since every chunk costs it decode time; null or true: chunks
 *                       as the tokens come
 */
public record CompletionRequest(int schemaVersion, String requestId, String conversationId, String modelId,
                                String prompt, Integer maxTokens, double temperature, int topK, double topP, double minP,
                                double repetitionPenalty, double presencePenalty, double frequencyPenalty,
                                List<String> stop, long seed, int n, Integer logprobs, boolean echo, String user,
                                Instant deadline, Boolean stream) implements InferenceCommand {
    public static final String TYPE = "completion";
    /** The most choices one request may ask for: one replica decodes, and holds, all of them. */
    public static final int MAX_N = 16;

    public CompletionRequest {
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    @Override
    public String routingKey() {
        return conversationId != null ? conversationId : requestId;
    }
}
