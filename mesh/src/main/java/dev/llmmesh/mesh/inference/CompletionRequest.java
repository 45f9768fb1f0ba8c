package dev.llmmesh.mesh.inference;

import dev.llmmesh.core.generate.SamplingParams;

import java.time.Instant;
import java.util.List;

/**
 * One completion to generate: the prompt as text (the replica tokenizes it with the model's tokenizer) or as token
 * ids, and the
 * sampling settings, core's {@link SamplingParams} whole, with OpenAI's meanings. A new request knob is a field of
 * {@link SamplingParams} (or of this record, for what is not sampling) and nothing else on the way. The gateway
 * always sets the seed, so a replica that takes over a request after another died generates the same tokens, and
 * the gateway can skip what it already relayed.
 *
 * @param conversationId  optional; when given it is the routing key
 * @param prompt          the prompt as text; null when {@code promptTokens} is given
 * @param promptTokens    the prompt as the model's token ids (what scoring clients send, so a window of a token
 *                        stream is scored exactly as cut, with no round trip through text); null when {@code prompt}
 *                        is given
 * @param sampling        checked when read (a bad value fails to parse, naming the field); its
 *                        {@code stopTokenIds} are the client's, the replica adds its model's end-of-text token
 * @param untilContextEnd true: generate as many tokens as fit in the model's context after the prompt (OpenAI
 *                        chat's default), which only the replica knows; {@code sampling.maxTokens} is then 0 and
 *                        unused. The gateway sends 16, the default of OpenAI's completions, when a completion
 *                        request does not say
 * @param deadline        after this instant nobody waits for the answer: a replica drops the request
 * @param stream          false when nobody watches the tokens arrive (a non-streamed client): the replica sends
 *                        each choice as one chunk at its end, since every chunk costs it decode time; null or true:
 *                        chunks as the tokens come
 */
public record CompletionRequest(int schemaVersion, String requestId, String conversationId, String modelId,
                                String prompt, List<Integer> promptTokens, SamplingParams sampling, boolean untilContextEnd, String user,
                                Instant deadline, Boolean stream) implements InferenceCommand {
    public static final String TYPE = "completion";
    /** The most choices one request may ask for: one replica decodes, and holds, all of them. */
    public static final int MAX_N = 16;

    public CompletionRequest {
        if (prompt != null && promptTokens != null) {
            throw new IllegalArgumentException("give prompt or promptTokens, not both");
        }
        promptTokens = promptTokens == null ? null : List.copyOf(promptTokens);
        // One meaning per request: an ignored length is always 0, so equal requests are equal records.
        if (untilContextEnd && sampling != null && sampling.maxTokens() != 0) {
            sampling = sampling.toBuilder().maxTokens(0).build();
        }
    }

    /** {@code max_tokens} as the client gave it: null for "up to the end of the context". */
    public Integer maxTokens() {
        return untilContextEnd || sampling == null ? null : sampling.maxTokens();
    }

    @Override
    public String routingKey() {
        return conversationId != null ? conversationId : requestId;
    }
}
