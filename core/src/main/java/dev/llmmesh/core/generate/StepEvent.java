package dev.llmmesh.core.generate;

/**
 * What one decode step produced for one sequence: its new token and the text that token released, and, on its last
 * step, why it finished and the whole output.
 *
 * @param token    the new token, or {@link #NO_TOKEN} when the sequence ended without one (max_tokens 0)
 * @param text     text that may be streamed now: held back while it could be the start of a stop sequence, never
 *                 including the stop sequence itself; empty without a {@link TokenText}
 * @param logprob  the token's log probability and alternatives, or null when none were asked for
 * @param finish   null while the sequence goes on
 * @param output   the finished sequence, with {@code finish}; null while it goes on
 */
public record StepEvent(long sequence, int token, String text, TokenLogprob logprob, FinishReason finish,
                        SequenceOutput output) {
    public static final int NO_TOKEN = -1;

    public boolean finished() {
        return finish != null;
    }
}
