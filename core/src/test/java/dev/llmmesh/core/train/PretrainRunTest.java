package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.LanguageModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainRunTest {
    /** MFU needs some peak; measuring one would only slow the tests down. */
    private static final MatmulPeak PEAK = new MatmulPeak(1e11, 0, 0);
    private static final String TEXT = "the quick brown fox jumps over the lazy dog. ";
    private static final int VOCAB = 32;

    /** The text repeated, as character ids: a stream a bigram model can mostly learn. */
    static int[] corpus(int tokens) {
        int[] out = new int[tokens];
        for (int i = 0; i < tokens; i++) {
            char c = TEXT.charAt(i % TEXT.length());
            out[i] = c == ' ' ? 0 : c == '.' ? 1 : c - 'a' + 2;
        }
        return out;
    }

    private static TrainConfig.Builder small() {
        return TrainConfig.builder().batchSize(4).contextLength(16).learningRate(3e-2).minLearningRate(3e-3)
                .warmupSteps(5).maxSteps(50).evalEvery(25).evalBatches(2).checkpointEvery(0)
                .validationFraction(0.1).seed(7);
    }

    @Test
    void lossFallsOnARepeatedText() throws IOException {
        TrainConfig config = small().build();
        List<StepMetrics> steps = new ArrayList<>();
        try (var model = new BigramModel(VOCAB, 16, 16, 0.0, 1);
             var run = new PretrainRun(model, TokenWindows.of(corpus(3000), config), config)) {
            PretrainResult result = run.withPeak(PEAK).onStep(steps::add).run(() -> false);
            assertEquals(50, result.steps());
            assertFalse(result.cancelled());
            assertNull(result.lastCheckpoint());
            assertNotNull(result.lastValidationLoss());
        }
        double first = steps.getFirst().loss();
        double last = steps.getLast().loss();
        assertTrue(first > 3.0, "starts near ln(32) = 3.47: " + first);
        assertTrue(last < 1.5, "learned the bigrams: " + first + " -> " + last);
        assertNull(steps.get(23).validationLoss());
        assertNotNull(steps.get(24).validationLoss()); // step 25
        assertTrue(steps.getLast().validationLoss() < 1.5);
        assertEquals(3e-2, steps.get(4).learningRate(), 1e-12);
        StepMetrics m = steps.getLast();
        assertTrue(m.tokensPerSecond() > 0 && m.mfu() > 0 && m.gradNorm() > 0, m.toString());
    }

    @Test
    void aRunCancelledBeforeItsFirstStepWritesNoCheckpoint(@TempDir Path dir) throws IOException {
        TrainConfig config = small().checkpointEvery(5).build();
        try (var model = new BigramModel(VOCAB, 16, 16, 0.0, 1);
             var run = new PretrainRun(model, TokenWindows.of(corpus(2000), config), config)) {
            PretrainResult result = run.withPeak(PEAK).checkpointsTo(dir).run(() -> true);
            assertTrue(result.cancelled());
            assertEquals(0, result.steps());
            assertNull(result.lastCheckpoint());
        }
        assertTrue(Checkpoint.list(dir).isEmpty(), "checkpoints: " + Checkpoint.list(dir));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void resumedRunMatchesAStraightRun(@TempDir Path dir) throws IOException {
        // dropout and accumulation on: the resumed half must replay the same masks and batches
        TrainConfig config = small().maxSteps(20).warmupSteps(4).gradAccumulation(2).checkpointEvery(5)
                .gradClip(0.5).evalEvery(10).build();
        List<StepMetrics> straight = new ArrayList<>();
        try (var model = new BigramModel(VOCAB, 16, 16, 0.2, 1);
             var run = new PretrainRun(model, TokenWindows.of(corpus(2000), config), config)) {
            run.withPeak(PEAK).onStep(straight::add).run(() -> false);
        }

        Path checkpoints = dir.resolve("ckpt");
        List<StepMetrics> firstHalf = new ArrayList<>();
        try (var model = new BigramModel(VOCAB, 16, 16, 0.2, 1);
             var run = new PretrainRun(model, TokenWindows.of(corpus(2000), config), config)) {
            PretrainResult result = run.withPeak(PEAK).checkpointsTo(checkpoints).onStep(firstHalf::add)
                    .run(() -> firstHalf.size() == 10);
            assertTrue(result.cancelled());
            assertEquals(10, result.steps());
            assertEquals(checkpoints.resolve("step-00000010"), result.lastCheckpoint());
        }
        assertEquals(List.of(checkpoints.resolve("step-00000005"), checkpoints.resolve("step-00000010")),
                Checkpoint.list(checkpoints));

        List<StepMetrics> secondHalf = new ArrayList<>();
        // fresh objects, and other initial weights: everything must come from the checkpoint
        try (var model = new BigramModel(VOCAB, 16, 16, 0.2, 99);
             var run = new PretrainRun(model, TokenWindows.of(corpus(2000), config), config)) {
            run.withPeak(PEAK).checkpointsTo(checkpoints).onStep(secondHalf::add)
                    .resumeFrom(Checkpoint.latest(checkpoints).orElseThrow());
            assertEquals(10, run.step());
            run.run(() -> false);
        }
        assertEquals(10, secondHalf.size());
        for (int i = 0; i < 10; i++) {
            StepMetrics a = straight.get(10 + i);
            StepMetrics b = secondHalf.get(i);
            assertEquals(a.step(), b.step());
            assertEquals(a.loss(), b.loss(), 1e-5 * Math.abs(a.loss()), "step " + a.step());
            assertEquals(a.gradNorm(), b.gradNorm(), 1e-4 * a.gradNorm(), "step " + a.step());
        }
        assertEquals(straight.getLast().validationLoss(), secondHalf.getLast().validationLoss(),
                1e-5 * straight.getLast().validationLoss());
        assertEquals(List.of(checkpoints.resolve("step-00000015"), checkpoints.resolve("step-00000020")),
                Checkpoint.list(checkpoints), "keeps the newest two");
        Checkpoint.State state = Checkpoint.readState(checkpoints.resolve("step-00000020"));
        assertEquals(20, state.step());
        assertEquals(config, state.config());
        try (Stream<Path> files = Files.list(checkpoints)) {
            assertEquals(2, files.count(), "no temporary directories left");
        }
    }

    @Test
    void resumeRefusesDataCutDifferently(@TempDir Path dir) throws IOException {
        TrainConfig config = small().maxSteps(2).warmupSteps(1).build();
        try (var model = new BigramModel(VOCAB, 8, 16, 0, 1);
             var run = new PretrainRun(model, TokenWindows.of(corpus(1000), config), config)) {
            run.withPeak(PEAK).checkpointsTo(dir).run(() -> false);
        }
        TrainConfig other = config.toBuilder().stride(8).build();
        try (var model = new BigramModel(VOCAB, 8, 16, 0, 1);
             var run = new PretrainRun(model, TokenWindows.of(corpus(1000), other), other)) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> run.resumeFrom(Checkpoint.latest(dir).orElseThrow()));
            assertTrue(e.getMessage().contains("stride"), e.getMessage());
        }
    }

    @Test
    void nonFiniteLossIsSkippedThenStopsTheRun() throws IOException {
        TrainConfig config = small().maxSteps(20).build();
        try (var inner = new BigramModel(VOCAB, 8, 16, 0, 1)) {
            var model = new Poisoned(inner);
            float[] before = inner.parameters().get("head.weight").toFloatArray();
            List<StepMetrics> steps = new ArrayList<>();
            try (var run = new PretrainRun(model, TokenWindows.of(corpus(1000), config), config)) {
                model.poisoned = true;
                var e = assertThrows(NonFiniteLossException.class,
                        () -> run.withPeak(PEAK).onStep(steps::add).run(() -> false));
                assertEquals("loss became NaN/inf 5 times in a row at step 5: lower learningRate or enable gradClip",
                        e.getMessage());
            }
            assertEquals(4, steps.size()); // the fifth throws before it is reported
            assertTrue(steps.stream().allMatch(StepMetrics::skipped));
            assertArrayEquals(before, inner.parameters().get("head.weight").toFloatArray(), "no update applied");
        }
    }

    @Test
    void aSingleNonFiniteStepIsSkippedAndTrainingGoesOn() throws IOException {
        TrainConfig config = small().maxSteps(6).warmupSteps(1).build();
        try (var inner = new BigramModel(VOCAB, 8, 16, 0, 1)) {
            var model = new Poisoned(inner);
            List<StepMetrics> steps = new ArrayList<>();
            try (var run = new PretrainRun(model, TokenWindows.of(corpus(1000), config), config)) {
                PretrainResult result = run.withPeak(PEAK).onStep(m -> {
                    steps.add(m);
                    model.poisoned = m.step() == 2; // poisons step 3 only
                }).run(() -> false);
                assertEquals(1, result.skippedSteps());
                assertEquals(6, result.steps());
            }
            assertTrue(steps.get(2).skipped());
            assertTrue(Double.isFinite(steps.get(3).loss()), "gradients were zeroed despite the NaN");
        }
    }

    /** Returns NaN logits while {@link #poisoned}. */
    private static final class Poisoned implements LanguageModel {
        private final LanguageModel inner;
        volatile boolean poisoned;

        Poisoned(LanguageModel inner) {
            this.inner = inner;
        }

        @Override
        public GptConfig config() {
            return inner.config();
        }

        @Override
        public NDManager manager() {
            return inner.manager();
        }

        @Override
        public SequencedMap<String, NDArray> parameters() {
            return inner.parameters();
        }

        @Override
        public NDArray forward(NDArray tokenIds, boolean training) {
            NDArray logits = inner.forward(tokenIds, training);
            return poisoned ? logits.mul(Float.NaN) : logits;
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
