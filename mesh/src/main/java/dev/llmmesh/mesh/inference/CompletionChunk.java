package dev.llmmesh.mesh.inference;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * A piece of a completion on {@code llm.inference.events}, keyed by request id so a request's chunks stay in
 * order. A replica that takes over a request starts the choice again from its first token with the same tokens and
 * the same text (the request is seeded), but it may cut them into chunks differently (chunks are cut by count or
 * by time): so a reader skips what it has already relayed by position, {@code offset} for tokens and
 * {@code textOffset} for text, never by chunk number. The text a choice has released after its first k tokens
 * depends on those tokens alone, so both positions name the same point of the choice whichever replica cut it.
 *
 * @param index        which of the request's {@code n} choices
 * @param seq          this replica's count of the choice's chunks, from 0 (for logs; a take-over starts again at 0)
 * @param offset       how many of the choice's {@code tokens} came before this chunk's first one
 * @param textOffset   how many characters (Unicode code points) of the choice's text came before this chunk's
 *                     {@code text}
 * @param replica      which replica wrote it (to tell a take-over apart in logs and tests)
 * @param echo         prompt tokens (only with {@code echo}), in the choice's first chunk
 * @param tokens       the new tokens of this chunk, with log probabilities when asked for
 * @param text         the text those tokens add (may hold back bytes of a character split across tokens)
 * @param finishReason set on a choice's last chunk: {@code stop} or {@code length} (OpenAI's words)
 * @param usage        set on the request's very last chunk (all choices finished)
 * @param error        set instead of tokens when the request cannot be served
 * @param classified   the answer to a {@link ClassifyRequest}: one item per input, in order, on the request's only
 *                     chunk (with {@code usage}); null on a completion's chunks
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompletionChunk(String type, int schemaVersion, String requestId, int index, long seq, int offset,
                              int textOffset, String replica, List<TokenInfo> echo, List<TokenInfo> tokens,
                              String text, String finishReason, Usage usage, InferenceError error,
                              List<Classification> classified) {
    public static final String TYPE = "completion-chunk";

    public CompletionChunk {
        classified = classified == null ? null : List.copyOf(classified);
    }

    /** A completion's chunk (no classifications). */
    public CompletionChunk(String type, int schemaVersion, String requestId, int index, long seq, int offset,
                           int textOffset, String replica, List<TokenInfo> echo, List<TokenInfo> tokens, String text,
                           String finishReason, Usage usage, InferenceError error) {
        this(type, schemaVersion, requestId, index, seq, offset, textOffset, replica, echo, tokens, text,
                finishReason, usage, error, null);
    }

    /** The request's final chunk: the reader may stop listening. */
    public boolean last() {
        return usage != null || error != null;
    }

    /**
     * @param logprob null for the first prompt token (nothing predicts it) or when logprobs were not asked for
     * @param top     the most likely alternatives at this position, best first
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenInfo(int id, String text, Float logprob, List<Alternative> top) {
    }

    public record Alternative(int id, String text, float logprob) {
    }

    /** @param cachedTokens prompt tokens whose KV states came from the shared prefix cache (null from older replicas) */
    public record Usage(int promptTokens, int completionTokens, Integer cachedTokens) {
        public Usage(int promptTokens, int completionTokens) {
            this(promptTokens, completionTokens, null);
        }
    }

    /**
     * @param status            the HTTP status the gateway should answer with (400 context overflow, 404 unknown
     *                          model, 503 not loaded yet)
     * @param param             the request field at fault, OpenAI's {@code param}
     * @param retryAfterSeconds when to send the request again (the gateway's {@code Retry-After}); null when a retry
     *                          would not help
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InferenceError(int status, String code, String param, String message, Integer retryAfterSeconds) {
        /** OpenAI's code for a request that does not fit the model's context; the gateway explains it per API. */
        public static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
        /** The model is being loaded (or waits for room to be): send the request again after retryAfterSeconds. */
        public static final String MODEL_LOADING = "model_loading";

        public InferenceError(int status, String code, String param, String message) {
            this(status, code, param, message, null);
        }
    }
}
