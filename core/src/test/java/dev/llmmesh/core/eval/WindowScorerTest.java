package dev.llmmesh.core.eval;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowScorerTest {

    /**
     * Every scored target's log-probability is the one a forward pass over exactly its window's tokens before it
     * gives at its last position: windows that score from past their start (HuggingFace's strided plan) and batches
     * of several windows pick the right positions.
     */
    @Test
    void eachTargetIsScoredOnItsWindowsPrefix() {
        int[] tokens = new int[40];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 7919 + 13) % 50257;
        }
        List<SlidingWindows.Window> windows = SlidingWindows.plan(tokens.length, 12, 5);
        try (GptModel model = GptModel.initialize(GptConfig.named("tiny"), Device.cpu(), 3)) {
            List<double[]> scored = new WindowScorer(model, 4).logProbs(tokens, windows);
            double nll = 0;
            for (int w = 0; w < windows.size(); w++) {
                SlidingWindows.Window window = windows.get(w);
                double[] expected = new double[window.scored()];
                for (long p = window.scoredFrom(); p < window.end(); p++) {
                    expected[(int) (p - window.scoredFrom())] = alone(model, tokens, (int) window.begin(), (int) p);
                }
                double[] actual = scored.get(w);
                assertEquals(expected.length, actual.length, window.toString());
                for (int t = 0; t < expected.length; t++) {
                    assertEquals(expected[t], actual[t], 1e-4, window + " target " + t);
                    nll -= actual[t];
                }
            }
            // the check can tell positions apart only if the log-probabilities differ well beyond its tolerance
            double[] all = scored.stream().flatMapToDouble(Arrays::stream).toArray();
            double spread = Arrays.stream(all).max().orElseThrow() - Arrays.stream(all).min().orElseThrow();
            assertTrue(spread > 0.05, "spread " + spread);
            PerplexityResult result = new WindowScorer(model, 4).perplexity(tokens, windows);
            assertEquals(39, result.tokens());
            assertEquals(nll / 39, result.loss(), 1e-9);
        }
    }

    /** log p(tokens[p] | tokens[begin, p)) from a forward over just that prefix. */
    private static double alone(GptModel model, int[] tokens, int begin, int p) {
        try (NDManager scope = model.manager().newSubManager()) {
            int[] prefix = Arrays.copyOfRange(tokens, begin, p);
            NDArray logits = model.forward(scope.create(prefix, new Shape(1, prefix.length)), false);
            NDArray last = logits.get(new NDIndex("0, -1")).logSoftmax(-1);
            return last.getFloat(tokens[p]);
        }
    }
}
