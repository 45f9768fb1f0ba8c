package dev.llmmesh.core.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * Log probabilities from the model's raw logits: log-softmax before any penalty, temperature or truncation, as
 * OpenAI reports them and as vLLM does by default. So a token's logprob does not depend on how it was sampled, and
 * scoring a text (lm-eval-harness' log-likelihood, via echo) equals a plain forward's log-softmax.
 */
final class Logprobs {
    private Logprobs() {
    }

    /** {@code token}'s log probability in {@code rawLogits}, with the {@code top} most likely alternatives. */
    static TokenLogprob of(float[] rawLogits, int token, int top) {
        double logZ = Ranking.logSumExp(rawLogits);
        List<TokenLogprob.Alternative> alternatives = new ArrayList<>(top);
        for (int id : Ranking.descending(rawLogits, Math.min(top, rawLogits.length))) {
            alternatives.add(new TokenLogprob.Alternative(id, (float) (rawLogits[id] - logZ)));
        }
        return new TokenLogprob(token, (float) (rawLogits[token] - logZ), alternatives);
    }
}
