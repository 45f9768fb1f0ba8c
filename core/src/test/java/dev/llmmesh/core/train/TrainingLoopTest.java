package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.SequencedMap;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingLoopTest {
    private static final int VOCAB = 32;
    private static final int[] CORPUS = PretrainRunTest.corpus(400);

    private static TrainConfig.Builder config() {
        return TrainConfig.builder().batchSize(4).contextLength(16).learningRate(3e-2).minLearningRate(3e-3)
                .warmupSteps(2).maxSteps(30).seed(11);
    }

    private static NDArray random(NDManager manager, Random random, Shape shape) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape);
    }

    @Test
    void onlyTheTrainableParametersGetGradientsUpdatesAndMoments() {
        // a frozen random feature layer under a trainable 3-class head, on a rule the features can express
        try (NDManager manager = NDManager.newBaseManager()) {
            Random random = new Random(3);
            NDArray frozen = random(manager, random, new Shape(4, 16));
            SequencedMap<String, NDArray> head = new LinkedHashMap<>();
            head.put("score.weight", random(manager, random, new Shape(16, 3)).mul(0.1f));
            head.put("score.bias", manager.zeros(new Shape(3)));
            float[] inputs = new float[12 * 4];
            int[] labels = new int[12];
            for (int i = 0; i < 12; i++) {
                for (int j = 0; j < 4; j++) {
                    inputs[i * 4 + j] = (float) random.nextGaussian();
                }
                labels[i] = inputs[i * 4] > 0.5f ? 0 : inputs[i * 4 + 1] > 0 ? 1 : 2;
            }
            NDArray x = manager.create(inputs, new Shape(12, 4));
            NDArray y = manager.create(labels);
            float[] frozenBefore = frozen.toFloatArray();
            List<TrainingLoop.Step> steps = new ArrayList<>();
            try (TrainingLoop loop = new TrainingLoop(manager, head, config().weightDecay(0).build())) {
                for (int i = 0; i < 30; i++) {
                    steps.add(loop.step(scope -> {
                        NDArray features = x.matMul(frozen).tanh();
                        features.attach(scope);
                        return CrossEntropy.mean(features.matMul(head.get("score.weight"))
                                .add(head.get("score.bias")), y);
                    }));
                }
                assertEquals(30, loop.steps());
                try (NDManager scratch = manager.newSubManager()) {
                    assertEquals(Set.of("step", "m.score.weight", "m.score.bias", "v.score.weight", "v.score.bias"),
                            loop.optimizer().state(scratch).keySet());
                }
            }
            assertFalse(frozen.hasGradient(), "a frozen parameter records no gradient");
            assertArrayEquals(frozenBefore, frozen.toFloatArray());
            assertTrue(steps.getLast().loss() < 0.6 * steps.getFirst().loss(),
                    steps.getFirst().loss() + " -> " + steps.getLast().loss());
            assertEquals(30, steps.getLast().step());
            assertTrue(steps.stream().noneMatch(TrainingLoop.Step::skipped));
        }
    }

    @Test
    void aSubsetRunResumesFromItsCheckpointExactly(@TempDir Path dir) throws IOException {
        TrainConfig config = config().gradAccumulation(2).gradClip(0.5).build();
        List<Double> straight = new ArrayList<>();
        float[] straightHead;
        try (var model = new BigramModel(VOCAB, 8, 16, 0.2, 1);
             var loop = new TrainingLoop(model.manager(), head(model), config)) {
            for (int i = 0; i < 6; i++) {
                straight.add(loop.step(batches(model, loop)).loss());
            }
            straightHead = model.parameters().get("head.weight").toFloatArray();
        }

        Path checkpoint;
        try (var model = new BigramModel(VOCAB, 8, 16, 0.2, 1);
             var loop = new TrainingLoop(model.manager(), head(model), config)) {
            for (int i = 0; i < 3; i++) {
                loop.step(batches(model, loop));
            }
            checkpoint = Checkpoint.write(dir, model, loop.optimizer(), new Checkpoint.State(loop.steps(),
                    DataPosition.start(), 0, loop.skippedSteps(), config, model.config()), 1);
        }
        try (NDManager scratch = NDManager.newBaseManager()) {
            assertEquals(Set.of("step", "m.head.weight", "m.head.bias", "v.head.weight", "v.head.bias"),
                    SafeTensors.read(checkpoint.resolve(Checkpoint.OPTIMIZER_FILE), scratch).keySet(),
                    "moments of the trained parameters only");
        }

        List<Double> resumed = new ArrayList<>();
        try (var model = new BigramModel(VOCAB, 8, 16, 0.2, 42);
             var loop = new TrainingLoop(model.manager(), head(model), config)) {
            Checkpoint.restoreModel(checkpoint, model);
            Checkpoint.restoreOptimizer(checkpoint, loop.optimizer(), model.manager());
            Checkpoint.State state = Checkpoint.readState(checkpoint);
            loop.resumeAt(state.step(), state.skippedSteps());
            for (int i = 0; i < 3; i++) {
                resumed.add(loop.step(batches(model, loop)).loss());
            }
            assertArrayEquals(straightHead, model.parameters().get("head.weight").toFloatArray(), 1e-6f);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(straight.get(3 + i), resumed.get(i), 1e-6, "step " + (4 + i));
        }
    }

    @Test
    void refusesAnEmptySetOfParameters() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThrows(IllegalArgumentException.class,
                    () -> new TrainingLoop(manager, new LinkedHashMap<>(), config().build()));
        }
    }

    private static SequencedMap<String, NDArray> head(BigramModel model) {
        SequencedMap<String, NDArray> head = new LinkedHashMap<>();
        head.put("head.weight", model.parameters().get("head.weight"));
        head.put("head.bias", model.parameters().get("head.bias"));
        return head;
    }

    /** Micro-batches fixed by the step about to run, so a resumed loop sees what a straight one saw. */
    private static TrainingLoop.MicroBatchLoss batches(BigramModel model, TrainingLoop loop) {
        int[] micro = {0};
        return scope -> {
            int offset = (int) ((loop.steps() * 2 + micro[0]++) * 17 % (CORPUS.length - 4 * 17));
            long[] x = new long[4 * 16];
            long[] y = new long[4 * 16];
            for (int i = 0; i < x.length; i++) {
                int at = offset + (i / 16) * 17 + i % 16;
                x[i] = CORPUS[at];
                y[i] = CORPUS[at + 1];
            }
            NDArray ids = scope.create(x, new Shape(4, 16));
            return CrossEntropy.mean(model.forward(ids, true), scope.create(y, new Shape(4, 16)));
        };
    }
}
