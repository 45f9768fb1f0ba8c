package dev.llmmesh.core.generate;

import java.util.List;

/**
 * A token with its log probability under the model, and the most likely alternatives at its position.
 *
 * @param top the {@code logprobs} most likely tokens at that position, most likely first (they may include this
 *            token); empty when none were asked for
 */
public record TokenLogprob(int token, float logprob, List<Alternative> top) {
    public TokenLogprob {
        top = List.copyOf(top);
    }

    /** One of the most likely tokens at a position. */
    public record Alternative(int token, float logprob) {
    }
}
