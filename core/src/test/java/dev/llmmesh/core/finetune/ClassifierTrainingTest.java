package dev.llmmesh.core.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmmesh.core.eval.ClassificationMetrics;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptLayout;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.SafeTensors;
import dev.llmmesh.core.train.Checkpoint;
import dev.llmmesh.core.train.TrainingLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmmesh.core.finetune.FinetuneTesting.SMALL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierTrainingTest {
    private static final List<String> LABELS = List.of("ham", "spam");
    private static final List<String> HAM_WORDS = List.of("lunch", "meeting", "report", "family", "garden");
    private static final List<String> SPAM_WORDS = List.of("winner", "prize", "cash", "xxx", "bonus");
    private static final LetterTokenizer TOKENIZER = new LetterTokenizer(true);

    @TempDir
    Path dir;

    /** Texts of two or three words, every word from its class's list: separable from any single letter. */
    private static List<ClassificationData.Example> examples(int count, long seed, boolean flipped) {
        SplittableRandom random = new SplittableRandom(seed);
        List<ClassificationData.Example> examples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int label = i % 2;
            List<String> words = label == 0 ? HAM_WORDS : SPAM_WORDS;
            StringBuilder text = new StringBuilder();
            for (int w = 0, n = 2 + random.nextInt(2); w < n; w++) {
                text.append(w == 0 ? "" : " ").append(words.get(random.nextInt(words.size())));
            }
            examples.add(new ClassificationData.Example(text.toString(), flipped ? 1 - label : label));
        }
        return examples;
    }

    private static ClassificationData data(int count, long seed, boolean flipped) {
        return ClassificationData.of(examples(count, seed, flipped), LABELS, TOKENIZER, SMALL.contextLength());
    }

    private static ClassifierModel model(GptConfig config, long seed) {
        return model(config, seed, Pooling.DEFAULT);
    }

    private static ClassifierModel model(GptConfig config, long seed, Pooling pooling) {
        return ClassifierModel.fromBase(GptModel.initialize(config, Device.cpu(), seed), LABELS,
                config.contextLength(), LetterTokenizer.END_OF_TEXT, pooling, Truncation.DEFAULT, seed + 1);
    }

    private static Map<String, float[]> snapshot(ClassifierModel model) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> copy.put(name, p.toFloatArray()));
        return copy;
    }

    @Test
    void fineTunesATinyModelOnASeparableSetToHighAccuracy() throws IOException {
        ClassificationData train = data(96, 1, false);
        ClassificationData validation = data(32, 2, false);
        FinetuneConfig config = FinetuneConfig.builder().epochs(6).learningRate(3e-3).trainable(Trainable.ALL)
                .seed(5).build();
        List<EpochReport> reports = new ArrayList<>();
        try (ClassifierModel model = model(SMALL, 11);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            List<StepReport> steps = new ArrayList<>();
            FinetuneResult result = training.onEpoch(reports::add).onStep(steps::add).run(() -> false);
            assertEquals(72, training.totalSteps());
            assertEquals(72, steps.size());
            assertEquals(new StepReport(2, 1, 12, steps.get(12).step()), steps.get(12));
            assertEquals(13, steps.get(12).step().step());
            assertEquals(3e-3, steps.getLast().step().learningRate(), 1e-15);
            assertEquals(6, result.epochs());
            assertEquals(6 * 12, result.steps());
            assertFalse(result.cancelled());
            assertFalse(result.stoppedEarly());
            assertFalse(result.restoredBest());
            assertNull(result.lastCheckpoint());
            assertEquals(reports, result.history());

            EpochReport last = reports.getLast();
            assertTrue(last.validationAccuracy() >= 0.95, () -> "validation accuracy " + last.validationAccuracy());
            assertTrue(last.trainLoss() < reports.getFirst().trainLoss() / 2, reports::toString);
            for (int e = 0; e < reports.size(); e++) {
                assertEquals(e + 1, reports.get(e).epoch());
                assertEquals(12L * (e + 1), reports.get(e).steps());
            }
            // the best flag marks each new minimum of the validation loss
            double lowest = Double.POSITIVE_INFINITY;
            for (EpochReport r : reports) {
                assertEquals(r.validationLoss() < lowest, r.best());
                lowest = Math.min(lowest, r.validationLoss());
            }
            assertEquals(lowest, result.bestValidationLoss());

            List<Prediction> worst = last.worstPredictions();
            List<Prediction> best = last.bestPredictions();
            assertEquals(3, worst.size());
            assertEquals(3, best.size());
            assertTrue(worst.get(0).goldProbability() <= worst.get(1).goldProbability());
            assertTrue(best.get(0).goldProbability() >= best.get(1).goldProbability());
            assertTrue(best.getLast().goldProbability() >= worst.getLast().goldProbability());

            ClassificationMetrics metrics = training.evaluate(validation);
            assertEquals(last.validationAccuracy(), metrics.accuracy(), 1e-12);
            assertEquals(32, metrics.examples());
            List<Prediction> predictions = training.predict(validation);
            assertEquals(metrics.correct(), predictions.stream().filter(Prediction::correct).count());
            // serving reads the same positions as evaluation
            Classified served = model.classify(List.of(validation.tokens(3))).getFirst();
            assertArrayEquals(predictions.get(3).probabilities(), served.probabilities(), 1e-6f);
        }
    }

    @Test
    void meanPoolingTrainsThroughEveryPosition() throws IOException {
        ClassificationData train = data(96, 1, false);
        ClassificationData validation = data(32, 2, false);
        FinetuneConfig config = FinetuneConfig.builder().epochs(6).learningRate(3e-3).trainable(Trainable.ALL)
                .seed(5).build();
        try (ClassifierModel model = model(SMALL, 11, Pooling.MEAN);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            float[] firstBlock = model.parameters().get(GptLayout.block(0, "attn.c_attn.weight")).toFloatArray();
            FinetuneResult result = training.run(() -> false);
            EpochReport last = result.history().getLast();
            assertTrue(last.validationAccuracy() >= 0.95, () -> "validation accuracy " + last.validationAccuracy());
            assertTrue(last.trainLoss() < result.history().getFirst().trainLoss() / 2, result.history()::toString);
            assertFalse(Arrays.equals(firstBlock,
                    model.parameters().get(GptLayout.block(0, "attn.c_attn.weight")).toFloatArray()));
            List<Prediction> predictions = training.predict(validation);
            Classified served = model.classify(List.of(validation.tokens(3))).getFirst();
            assertArrayEquals(predictions.get(3).probabilities(), served.probabilities(), 1e-6f);
        }
    }

    @Test
    void onlyTheChosenParametersChange() throws IOException {
        ClassificationData train = data(16, 3, false);
        ClassificationData validation = data(8, 4, false);
        for (Trainable trainable : List.of(Trainable.HEAD, Trainable.LAST_BLOCK)) {
            FinetuneConfig config = FinetuneConfig.builder().epochs(1).learningRate(1e-2).trainable(trainable)
                    .build();
            try (ClassifierModel model = model(SMALL, 12);
                 ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
                Set<String> trained = trainable.select(model).keySet();
                Map<String, float[]> before = snapshot(model);
                training.run(() -> false);
                Map<String, float[]> after = snapshot(model);
                for (String name : before.keySet()) {
                    if (trained.contains(name)) {
                        assertFalse(Arrays.equals(before.get(name), after.get(name)),
                                trainable + " left " + name + " unchanged");
                    } else {
                        // bit-identical: not even a rounding of a zero update
                        assertArrayEquals(before.get(name), after.get(name), trainable + " changed " + name);
                    }
                }
            }
        }
    }

    @Test
    void aMinimumLearningRateDecaysTheRateAlongACosineToItAtTheLastStep() throws IOException {
        ClassificationData train = data(16, 3, false);
        ClassificationData validation = data(8, 4, false);
        FinetuneConfig config = FinetuneConfig.builder().epochs(2).learningRate(1e-2).minLearningRate(1e-3)
                .warmupSteps(1).trainable(Trainable.ALL).build();
        List<StepReport> steps = new ArrayList<>();
        try (ClassifierModel model = model(SMALL, 14);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            training.onStep(steps::add).run(() -> false);
        }
        assertEquals(4, steps.size());
        double[] rates = steps.stream().mapToDouble(s -> s.step().learningRate()).toArray();
        // steps 1..4 of 4 after a step of warmup: the peak, then 1e-3 + 9e-3 * (1 + cos(pi * k / 3)) / 2
        assertArrayEquals(new double[]{1e-2, 1e-3 + 9e-3 * 0.75, 1e-3 + 9e-3 * 0.25, 1e-3}, rates, 1e-12);
    }

    @Test
    void aFinetuneDropoutBecomesTheModelsOwnAndChangesTrainingReproducibly() throws IOException {
        ClassificationData train = data(16, 3, false);
        ClassificationData validation = data(8, 4, false);
        FinetuneConfig plain = FinetuneConfig.builder().epochs(1).learningRate(1e-2).trainable(Trainable.ALL).build();
        FinetuneConfig dropped = plain.toBuilder().dropout(0.3).build();
        List<Map<String, float[]>> trained = new ArrayList<>();
        for (FinetuneConfig config : List.of(plain, dropped, dropped)) {
            try (ClassifierModel model = model(SMALL, 14);
                 ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
                assertEquals(config.dropout() == null ? SMALL.dropout() : config.dropout(), model.config().dropout());
                training.run(() -> false);
                trained.add(snapshot(model));
                if (trained.size() == 2) { // the first run with dropout 0.3
                    Path saved = dir.resolve("dropped");
                    ClassifierCheckpoint.save(model, saved);
                    // the published config records the rate the weights were trained with
                    assertEquals(0.3, new ObjectMapper().readTree(saved.resolve("config.json").toFile())
                            .path("resid_pdrop").asDouble());
                }
            }
        }
        String name = GptLayout.block(0, "attn.c_attn.weight");
        assertNotNull(trained.get(0).get(name), name);
        assertFalse(Arrays.equals(trained.get(0).get(name), trained.get(1).get(name)), "dropout 0.3 trained as 0");
        trained.get(1).forEach((n, values) -> assertArrayEquals(values, trained.get(2).get(n), n));
        // null keeps the base's own rate
        try (ClassifierModel model = model(SMALL.withDropout(0.2), 14);
             ClassifierTraining ignored = new ClassifierTraining(model, train, validation, plain)) {
            assertEquals(0.2, model.config().dropout());
        }
    }

    @Test
    void aResumedRunEndsExactlyWhereTheStraightRunDoes() throws IOException {
        GptConfig withDropout = SMALL.withDropout(0.1);
        ClassificationData train = data(40, 5, false);
        ClassificationData validation = data(8, 6, false);
        FinetuneConfig config = FinetuneConfig.builder().epochs(2).learningRate(3e-3).trainable(Trainable.ALL)
                .keepCheckpoints(3).build();
        Map<String, float[]> straight;
        EpochReport straightLast;
        try (ClassifierModel model = model(withDropout, 13);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            straightLast = training.run(() -> false).history().getLast();
            straight = snapshot(model);
        }
        Path root = dir.resolve("checkpoints");
        AtomicInteger calls = new AtomicInteger();
        try (ClassifierModel model = model(withDropout, 13);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            // 5 batches per epoch: stop before step 8, in the middle of the second epoch
            FinetuneResult stopped = training.checkpointsTo(root).run(() -> calls.incrementAndGet() > 7);
            assertTrue(stopped.cancelled());
            assertEquals(7, stopped.steps());
            assertEquals(1, stopped.epochs());
            assertEquals(root.resolve("step-00000007"), stopped.lastCheckpoint());
            assertTrue(Files.isDirectory(root.resolve("step-00000005")), "the end of epoch 1 is checkpointed");
            assertTrue(ClassifierCheckpoint.isClassifier(stopped.lastCheckpoint()));
            assertEquals(stopped.lastCheckpoint(), Checkpoint.latest(root).orElseThrow());
        }
        try (ClassifierModel model = model(withDropout, 99);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            FinetuneResult resumed = training.resumeFrom(root.resolve("step-00000007")).run(() -> false);
            assertEquals(2, resumed.epochs());
            assertEquals(10, resumed.steps());
            EpochReport last = resumed.history().getLast();
            assertEquals(straightLast.trainLoss(), last.trainLoss(), 1e-12);
            assertEquals(straightLast.trainAccuracy(), last.trainAccuracy());
            assertEquals(straightLast.validationLoss(), last.validationLoss());
            Map<String, float[]> after = snapshot(model);
            straight.forEach((name, values) -> assertArrayEquals(values, after.get(name), name));
        }
    }

    @Test
    void resumesFromACheckpointTakenBeforeAnyEpochEnded() throws IOException {
        ClassificationData train = data(24, 5, false);
        ClassificationData validation = data(8, 6, false);
        FinetuneConfig config = FinetuneConfig.builder().epochs(1).learningRate(3e-3).build();
        Map<String, float[]> straight;
        double straightLoss;
        try (ClassifierModel model = model(SMALL, 18);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            straightLoss = training.run(() -> false).bestValidationLoss();
            straight = snapshot(model);
        }
        AtomicInteger calls = new AtomicInteger();
        Path written;
        try (ClassifierModel model = model(SMALL, 18);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            written = training.checkpointsTo(dir).run(() -> calls.incrementAndGet() > 1).lastCheckpoint();
            assertEquals(dir.resolve("step-00000001"), written);
        }
        try (ClassifierModel model = model(SMALL, 18);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            FinetuneResult resumed = training.resumeFrom(written).run(() -> false);
            assertEquals(1, resumed.bestEpoch());
            assertEquals(straightLoss, resumed.bestValidationLoss());
            Map<String, float[]> after = snapshot(model);
            straight.forEach((name, values) -> assertArrayEquals(values, after.get(name), name));
        }
    }

    @Test
    void frozenWeightsRecordNoGradientEvenIfAnEarlierLoopAskedThemTo() throws IOException {
        try (ClassifierModel model = model(SMALL, 19)) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            try (ClassifierTraining training = new ClassifierTraining(model, data(8, 1, false), data(4, 2, false),
                    FinetuneConfig.builder().epochs(1).trainable(Trainable.HEAD).build())) {
                training.run(() -> false);
            }
            model.parameters().forEach((name, p) ->
                    assertEquals(name.equals(ClassifierModel.SCORE), p.hasGradient(), name));
        }
    }

    @Test
    void earlyStoppingKeepsTheBestEpochsWeights() throws IOException {
        // validation labels are the opposite of training's: the better training goes, the worse validation gets
        ClassificationData train = data(24, 7, false);
        ClassificationData validation = data(8, 8, true);
        FinetuneConfig config = FinetuneConfig.builder().epochs(10).learningRate(1e-2).trainable(Trainable.LAST_BLOCK)
                .earlyStoppingPatience(2).build();
        Map<String, float[]> bestWeights = new LinkedHashMap<>();
        try (ClassifierModel model = model(SMALL, 14);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            training.onEpoch(r -> {
                if (r.best()) {
                    bestWeights.putAll(snapshot(model));
                }
            });
            FinetuneResult result = training.run(() -> false);
            assertTrue(result.stoppedEarly(), result::toString);
            assertTrue(result.restoredBest());
            assertEquals(result.bestEpoch() + 2, result.epochs());
            assertEquals(result.bestEpoch() + 2, result.history().size());
            Map<String, float[]> after = snapshot(model);
            bestWeights.forEach((name, values) -> assertArrayEquals(values, after.get(name), name));
        }
    }

    @Test
    void aSkippedStepLeavesTheEpochsTrainLossFinite() throws IOException {
        // 'j' (id 10) is in no other text: its embedding row set to NaN breaks exactly the one batch holding it
        List<ClassificationData.Example> examples = new ArrayList<>(examples(23, 21, false));
        examples.add(new ClassificationData.Example("jjj lunch", 0));
        ClassificationData train = ClassificationData.of(examples, LABELS, TOKENIZER, SMALL.contextLength());
        List<TrainingLoop.Step> steps = new ArrayList<>();
        try (ClassifierModel model = model(SMALL, 22);
             ClassifierTraining training = new ClassifierTraining(model, train, data(8, 23, false),
                     FinetuneConfig.builder().epochs(1).batchSize(8).build())) {
            model.parameters().get("transformer.wte.weight").set(new NDIndex(10), Float.NaN);
            training.onStep(r -> steps.add(r.step()));
            EpochReport epoch = training.run(() -> false).history().getFirst();

            assertEquals(1, steps.stream().filter(TrainingLoop.Step::skipped).count(), steps::toString);
            // equal batches: the mean over the examples of the steps that counted is the mean of their losses
            double counted = steps.stream().filter(s -> !s.skipped()).mapToDouble(TrainingLoop.Step::loss)
                    .average().orElseThrow();
            assertEquals(counted, epoch.trainLoss(), 1e-12);
            assertTrue(epoch.trainAccuracy() >= 0 && epoch.trainAccuracy() <= 1, epoch::toString);
        }
    }

    @Test
    void aResumedRunThatHadFinishedDoesNotClaimToHaveStoppedEarly() throws IOException {
        // validation labels flipped: the second epoch is worse, so the run ends one epoch past its best
        ClassificationData train = data(24, 7, false);
        ClassificationData validation = data(8, 8, true);
        FinetuneConfig config = FinetuneConfig.builder().epochs(2).learningRate(1e-2).trainable(Trainable.LAST_BLOCK)
                .earlyStoppingPatience(1).build();
        Path last;
        try (ClassifierModel model = model(SMALL, 14);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            FinetuneResult finished = training.checkpointsTo(dir).run(() -> false);
            assertEquals(1, finished.bestEpoch(), finished::toString);
            assertEquals(2, finished.epochs());
            assertFalse(finished.stoppedEarly(), "all epochs ran");
            last = finished.lastCheckpoint();
        }
        try (ClassifierModel model = model(SMALL, 14);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            FinetuneResult resumed = training.resumeFrom(last).run(() -> false);
            assertEquals(2, resumed.epochs());
            assertTrue(resumed.history().isEmpty());
            assertFalse(resumed.stoppedEarly(), resumed::toString);
        }
    }

    @Test
    void cancelledBeforeTheFirstStepWritesNothing() throws IOException {
        try (ClassifierModel model = model(SMALL, 15);
             ClassifierTraining training = new ClassifierTraining(model, data(8, 9, false), data(4, 10, false),
                     FinetuneConfig.defaults())) {
            FinetuneResult result = training.checkpointsTo(dir).run(() -> true);
            assertTrue(result.cancelled());
            assertEquals(0, result.steps());
            assertNull(result.lastCheckpoint());
            assertTrue(Checkpoint.list(dir).isEmpty());
        }
    }

    @Test
    void refusesDataThatDoesNotFitTheModelAndForeignCheckpoints() throws IOException {
        try (ClassifierModel model = model(SMALL, 16)) {
            ClassificationData otherLabels = ClassificationData.of(examples(4, 1, false), List.of("a", "b"),
                    TOKENIZER, SMALL.contextLength());
            assertThrows(IllegalArgumentException.class, () -> new ClassifierTraining(model, otherLabels,
                    data(4, 2, false), FinetuneConfig.defaults()));
            ClassificationData shorter = ClassificationData.of(examples(4, 1, false), LABELS, TOKENIZER, 8);
            assertThrows(IllegalArgumentException.class, () -> new ClassifierTraining(model, shorter,
                    data(4, 2, false), FinetuneConfig.defaults()));
            assertThrows(IllegalArgumentException.class, () -> new ClassifierTraining(model, data(4, 1, false),
                    data(4, 2, false), FinetuneConfig.builder().epochs(1).warmupSteps(2).build()));
            FinetuneConfig config = FinetuneConfig.builder().epochs(1).batchSize(2).build();
            Path written;
            try (ClassifierTraining training = new ClassifierTraining(model, data(4, 1, false), data(4, 2, false),
                    config)) {
                written = training.checkpointsTo(dir).run(() -> false).lastCheckpoint();
            }
            assertNotNull(written);
            try (ClassifierTraining other = new ClassifierTraining(model, data(4, 1, false), data(4, 2, false),
                    config.toBuilder().batchSize(4).build())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> other.resumeFrom(written));
                assertTrue(e.getMessage().contains("batchSize"), e.getMessage());
            }
        }
    }

    @Test
    void checkpointsHoldTheOptimizerOfTheTrainedParametersOnly() throws IOException {
        try (ClassifierModel model = model(SMALL, 17);
             ClassifierTraining training = new ClassifierTraining(model, data(8, 1, false), data(4, 2, false),
                     FinetuneConfig.builder().epochs(1).trainable(Trainable.HEAD).build())) {
            Path written = training.checkpointsTo(dir).run(() -> false).lastCheckpoint();
            Set<String> moments = SafeTensors.readHeader(
                    written.resolve("optimizer.safetensors")).tensors().keySet();
            assertEquals(Set.of("step", "m.score.weight", "v.score.weight"), moments);
            NDArray score = model.parameters().get(ClassifierModel.SCORE);
            try (ClassifierModel loaded = ClassifierCheckpoint.load(written, Device.cpu())) {
                assertArrayEquals(score.toFloatArray(), loaded.parameters().get(ClassifierModel.SCORE).toFloatArray());
            }
        }
    }
}
