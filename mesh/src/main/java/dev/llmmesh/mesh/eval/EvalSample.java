package dev.llmmesh.mesh.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * One scored example of an evaluation, a line of {@code evals/{evalId}/samples.jsonl}: enough to recompute or audit
 * the figure it went into, as lm-eval-harness's logged samples are.
 *
 * @param index     the example's row in the dataset (or window number)
 * @param input     what the model was given (text, or the window's token range)
 * @param reference what it should have answered (label, reference texts, correct choice), null if none
 * @param output    what it answered (label and probabilities, generated text, per-choice log-likelihoods)
 * @param scores    this example's contribution (correct 0/1, token log-likelihood, sentence BLEU, judge score ...)
 */
public record EvalSample(long index, JsonNode input, JsonNode reference, JsonNode output, Map<String, Double> scores) {
}
