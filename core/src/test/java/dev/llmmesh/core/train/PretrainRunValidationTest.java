package dev.llmmesh.core.train;

import ai.djl.Device;
import dev.llmmesh.core.eval.PerplexityResult;
import dev.llmmesh.core.eval.SlidingWindows;
import dev.llmmesh.core.eval.WindowScorer;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The validation loss a run reports is the mean next-token loss over exactly the windows it says it scored: scoring
 * those windows independently (eval-service's way, through {@link SlidingWindows#of} and a plain forward pass) gives
 * the same number. On the real GPT with dropout on, so a pass that trained or dropped out would show.
 */
class PretrainRunValidationTest {
    private static final GptConfig TINY = GptConfig.named("tiny").withDropout(0.1);
    private static final MatmulPeak PEAK = new MatmulPeak(1e11, 0, 0);

    private static TrainConfig.Builder config() {
        return TrainConfig.builder().batchSize(4).contextLength(16).stride(16).learningRate(1e-3)
                .minLearningRate(1e-4).warmupSteps(1).maxSteps(3).evalEvery(3).checkpointEvery(0)
                .validationFraction(0.1).seed(5);
    }

    @Test
    void allHeldOutWindowsWhenFewerThanAPassAsksForWithASmallerLastBatch() throws IOException {
        // 1500 tokens, windows of 17 every 16: 93 windows, round(9.3) = 9 held out; 5 batches of 4 would be 20,
        // so all 9 are scored, in batches of 4, 4 and 1
        TrainConfig config = config().evalBatches(5).build();
        TokenWindows.Validation spec = checkAgainstIndependentScoring(config, 1500);
        assertEquals(new TokenWindows.Validation(84 * 16, 9, 16, 16), spec);
    }

    @Test
    void theFirstWindowsOfTheTailWhenThereAreMoreAndAFinalPassWithoutPeriodicOnes() throws IOException {
        // stride 8 < context: (3000 - 17) / 8 + 1 = 373 windows, 37 held out from window 336; one batch of 4 scores
        // the first 4. evalEvery 0: no periodic pass, the run still measures its final weights once.
        TrainConfig config = config().stride(8).evalBatches(1).evalEvery(0).build();
        TokenWindows.Validation spec = checkAgainstIndependentScoring(config, 3000);
        assertEquals(new TokenWindows.Validation(336 * 8, 4, 16, 8), spec);
    }

    private static TokenWindows.Validation checkAgainstIndependentScoring(TrainConfig config, int tokenCount)
            throws IOException {
        int[] tokens = PretrainRunTest.corpus(tokenCount);
        TokenWindows windows = TokenWindows.of(tokens, config);
        List<StepMetrics> steps = new ArrayList<>();
        try (GptModel model = GptModel.initialize(TINY, Device.cpu(), 11);
             var run = new PretrainRun(model, windows, config)) {
            PretrainResult result = run.withPeak(PEAK).onStep(steps::add).run(() -> false);
            assertNotNull(result.lastValidationLoss());
            TokenWindows.Validation spec = run.validationWindows();
            assertEquals(windows.validationWindowStart(0), spec.startToken());

            List<SlidingWindows.Window> published = SlidingWindows.of(spec.startToken(), spec.windows(),
                    spec.contextLength(), spec.stride());
            PerplexityResult rescored = new WindowScorer(model, 3).perplexity(tokens, published);
            assertEquals(spec.targets(), rescored.tokens());
            double reported = result.lastValidationLoss();
            assertEquals(rescored.loss(), reported, 1e-5 * reported, "trainer " + reported + ", rescored "
                    + rescored);
            if (config.evalEvery() > 0) {
                assertEquals(reported, steps.getLast().validationLoss(), 0, "the last step's pass is the final one");
            } else {
                assertTrue(steps.stream().allMatch(s -> s.validationLoss() == null), "no periodic passes");
            }
            return spec;
        }
    }
}
