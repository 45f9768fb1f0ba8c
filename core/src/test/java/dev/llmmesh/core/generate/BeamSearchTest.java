package dev.llmmesh.core.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BeamSearchTest {
    private static final int[] PROMPT = {5, 17, 42};

    @Test
    void widthOneIsGreedyAndWiderBeamsScoreAtLeastAsWell() {
        try (GptModel model = GptModel.initialize(GenerationTest.CONFIG, Device.cpu(), 31)) {
            int[] greedy = Greedy.generate(model, PROMPT, 10);
            List<BeamSearch.Beam> one = BeamSearch.search(model, PROMPT, new BeamSearch.Params(1, 10, 1.0, 1, null));
            assertArrayEquals(greedy, one.getFirst().tokens());
            double greedyLogprob = sequenceLogprob(model, PROMPT, greedy);
            assertEquals(greedyLogprob, one.getFirst().logprob(), 1e-3);

            List<BeamSearch.Beam> four = BeamSearch.search(model, PROMPT, new BeamSearch.Params(4, 10, 1.0, 3, null));
            assertEquals(3, four.size());
            BeamSearch.Beam best = four.getFirst();
            // Not a theorem for beam search in general (the greedy path can fall out of the beam), but the
            // reported figure must be the sequence's real log probability, and here it beats greedy's.
            assertEquals(sequenceLogprob(model, PROMPT, best.tokens()), best.logprob(), 1e-3);
            assertTrue(best.logprob() >= greedyLogprob - 1e-6, best.logprob() + " vs greedy " + greedyLogprob);
            assertTrue(four.get(0).score() >= four.get(1).score() && four.get(1).score() >= four.get(2).score());
            assertEquals(best.logprob() / 10, best.score(), 1e-9, "score = logprob / length^1");
        }
    }

    @Test
    void aBeamAsWideAsEveryPrefixIsAnExactSearch() {
        // vocabulary 7, 3 new tokens: 49 beams hold every 2-token prefix, so the search is exhaustive
        GptConfig small = new GptConfig(7, 8, 16, 1, 2, 0.0, 1e-5);
        try (GptModel model = GptModel.initialize(small, Device.cpu(), 4)) {
            int[] prompt = {3, 1};
            List<BeamSearch.Beam> beams = BeamSearch.search(model, prompt, new BeamSearch.Params(49, 3, 0.0, 5, null));
            // brute force: all 343 continuations in one batched forward
            int[][] all = new int[343][];
            for (int i = 0; i < 343; i++) {
                all[i] = new int[] {i / 49, i / 7 % 7, i % 7};
            }
            double[] logprobs = new double[343];
            for (int i = 0; i < 343; i++) {
                logprobs[i] = sequenceLogprob(model, prompt, all[i]);
            }
            Integer[] order = new Integer[343];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, (a, b) -> Double.compare(logprobs[b], logprobs[a]));
            for (int r = 0; r < 5; r++) {
                assertArrayEquals(all[order[r]], beams.get(r).tokens(), "rank " + r);
                assertEquals(logprobs[order[r]], beams.get(r).logprob(), 1e-4);
            }
        }
    }

    @Test
    void anEndTokenFinishesHypothesesAndTheLengthPenaltyRanksThem() {
        try (GptModel model = GptModel.initialize(GenerationTest.CONFIG, Device.cpu(), 31)) {
            int[] greedy = Greedy.generate(model, PROMPT, 6);
            int end = greedy[2];
            List<BeamSearch.Beam> beams = BeamSearch.search(model, PROMPT, new BeamSearch.Params(1, 6, 1.0, 1, end));
            int firstEnd = 0;
            while (greedy[firstEnd] != end) {
                firstEnd++;
            }
            assertArrayEquals(Arrays.copyOf(greedy, firstEnd + 1), beams.getFirst().tokens());
            for (BeamSearch.Beam b : BeamSearch.search(model, PROMPT, new BeamSearch.Params(3, 6, 2.0, 3, end))) {
                assertEquals(b.logprob() / Math.pow(b.tokens().length, 2.0), b.score(), 1e-9);
                for (int i = 0; i < b.tokens().length - 1; i++) {
                    assertTrue(b.tokens()[i] != end, "an end token ends the hypothesis");
                }
            }
            assertThrows(IllegalArgumentException.class, () -> new BeamSearch.Params(2, 5, 1.0, 3, null));
        }
    }

    /** Sum of log p(token | prefix) over the continuation, from one full forward. */
    static double sequenceLogprob(GptModel model, int[] prompt, int[] continuation) {
        int[] all = new int[prompt.length + continuation.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(continuation, 0, all, prompt.length, continuation.length);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray logp = model.forward(m.create(all, new Shape(1, all.length)), false).logSoftmax(-1);
            double sum = 0;
            for (int i = 0; i < continuation.length; i++) {
                sum += logp.getFloat(0, prompt.length + i - 1, continuation[i]);
            }
            return sum;
        }
    }
}
