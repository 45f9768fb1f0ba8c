package dev.llmmesh.core.generate;

import java.util.List;

/**
 * A finished sequence (one choice of a completion).
 *
 * @param tokens         every generated token, a stop token included; a stop sequence's tokens too (only its text is
 *                       cut)
 * @param text           the generated text up to (not including) the first stop sequence; empty without a
 *                       {@link TokenText}
 * @param logprobs       one per generated token, or null when none were asked for
 * @param promptLogprobs with {@code echo}: one per prompt token, the first null (nothing predicts it); else null
 * @param cachedPromptTokens prompt tokens whose attention states came from a {@link PrefixCache} instead of the model
 */
public record SequenceOutput(long sequence, int[] prompt, int[] tokens, String text, List<TokenLogprob> logprobs,
                             List<TokenLogprob> promptLogprobs, FinishReason finish,
                             int cachedPromptTokens) {
}
