package dev.llmmesh.eval.scoring;

import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.mesh.inference.CompletionChunk.TokenInfo;

import java.util.List;

/**
 * One choice of a completion as the replicas answered it, whole; or a classifier's answer.
 *
 * @param echo         the prompt's tokens with their log probabilities (the first has none), when echo was asked
 * @param tokens       the generated tokens
 * @param text         the generated text
 * @param finishReason {@code stop} or {@code length}
 * @param classified   a classify request's items, one per text; null for a completion
 */
public record Completion(List<TokenInfo> echo, List<TokenInfo> tokens, String text, String finishReason,
                         List<Classification> classified) {
    /** Log probabilities of prompt tokens {@code from..} (each given the tokens before it). */
    public double[] promptLogprobs(int from) {
        double[] logprobs = new double[echo.size() - from];
        for (int i = from; i < echo.size(); i++) {
            Float logprob = echo.get(i).logprob();
            if (logprob == null) {
                throw new IllegalStateException("prompt token " + i + " came back without a log probability");
            }
            logprobs[i - from] = logprob;
        }
        return logprobs;
    }
}
