package dev.llmmesh.core.train;

import ai.djl.Device;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop on the real GPT, on the {@code tiny} config (full GPT-2 vocabulary) with dropout on. */
class GptPretrainTest {
    private static final GptConfig TINY = GptConfig.named("tiny").withDropout(0.1);
    private static final MatmulPeak PEAK = new MatmulPeak(1e11, 0, 0);

    private static TrainConfig config() {
        return TrainConfig.builder().batchSize(2).contextLength(16).learningRate(1e-3).minLearningRate(1e-4)
                .warmupSteps(2).maxSteps(6).gradAccumulation(2).evalEvery(3).evalBatches(1).checkpointEvery(3)
                .validationFraction(0.1).seed(3).build();
    }

    @Test
    void resumedRunMatchesAStraightRun(@TempDir Path dir) throws IOException {
        TrainConfig config = config();
        int[] tokens = PretrainRunTest.corpus(1500);
        List<StepMetrics> straight = new ArrayList<>();
        float[] straightWeights;
        try (GptModel model = GptModel.initialize(TINY, Device.cpu(), 11);
             var run = new PretrainRun(model, TokenWindows.of(tokens, config), config)) {
            run.withPeak(PEAK).onStep(straight::add).run(() -> false);
            straightWeights = model.parameters().get("transformer.h.1.mlp.c_fc.weight").toFloatArray();
        }
        assertTrue(straight.getLast().loss() < straight.getFirst().loss(), straight.toString());

        Path checkpoints = dir.resolve("ckpt");
        List<StepMetrics> firstHalf = new ArrayList<>();
        try (GptModel model = GptModel.initialize(TINY, Device.cpu(), 11);
             var run = new PretrainRun(model, TokenWindows.of(tokens, config), config)) {
            run.withPeak(PEAK).checkpointsTo(checkpoints).onStep(firstHalf::add).run(() -> firstHalf.size() == 3);
        }
        Path half = Checkpoint.latest(checkpoints).orElseThrow();
        assertEquals("step-00000003", half.getFileName().toString());

        List<StepMetrics> secondHalf = new ArrayList<>();
        // the checkpoint is a model directory too: load the weights from it, other objects all fresh
        try (GptModel model = GptCheckpoint.load(half, Device.cpu());
             var run = new PretrainRun(model, TokenWindows.of(tokens, config), config)) {
            run.withPeak(PEAK).checkpointsTo(checkpoints).onStep(secondHalf::add).resumeFrom(half).run(() -> false);
            assertArrayEquals(straightWeights,
                    model.parameters().get("transformer.h.1.mlp.c_fc.weight").toFloatArray(), 1e-6f);
        }
        assertEquals(3, secondHalf.size());
        for (int i = 0; i < 3; i++) {
            StepMetrics a = straight.get(3 + i);
            StepMetrics b = secondHalf.get(i);
            assertEquals(a.loss(), b.loss(), 1e-5 * a.loss(), "step " + a.step());
        }
        assertEquals(straight.getLast().validationLoss(), secondHalf.getLast().validationLoss(),
                1e-5 * straight.getLast().validationLoss());
    }

    @Test
    void stepsLeaveNoArraysBehind() throws IOException {
        TrainConfig config = config().toBuilder().evalEvery(1).build();
        try (GptModel model = GptModel.initialize(TINY, Device.cpu(), 11);
             var run = new PretrainRun(model, TokenWindows.of(PretrainRunTest.corpus(1500), config), config)) {
            run.withPeak(PEAK).run(() -> run.step() == 2);
            int afterTwo = model.manager().getManagedArrays().size();
            run.run(() -> run.step() == 4);
            assertEquals(afterTwo, model.manager().getManagedArrays().size());
        }
    }
}
