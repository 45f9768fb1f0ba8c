package dev.llmmesh.core.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.llmmesh.core.eval.ClassificationMetrics;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.NoGrad;
import dev.llmmesh.core.train.Checkpoint;
import dev.llmmesh.core.train.CrossEntropy;
import dev.llmmesh.core.train.TrainConfig;
import dev.llmmesh.core.train.TrainingLoop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.SequencedMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * A classification fine-tune, chapter 6 of the book: per epoch, the training set in a seeded shuffled order through
 * the shared {@link TrainingLoop} (cross-entropy of the head's logits, only the {@link Trainable} parameters updated),
 * then validation loss and accuracy with the best and worst validation predictions. Optional early stopping on
 * validation loss restores the best epoch's weights at the end. Checkpoints after every epoch (and when cancelled)
 * resume to the same weights a straight run reaches: the order of an epoch depends on the seed and the epoch only,
 * and the loop seeds each step's dropout with the step number.
 *
 * <p>A {@link FinetuneConfig#dropout} that is set becomes the model's own rate ({@link GptModel#setDropout}), so the
 * checkpoint published from it says what it was trained with.
 *
 * <p>One training at a time per JVM (libtorch has one gradient collector). The caller owns and closes the model.
 */
public final class ClassifierTraining implements AutoCloseable {
    private final ClassifierModel model;
    private final ClassificationData train;
    private final ClassificationData validation;
    private final FinetuneConfig config;
    private final TrainingLoop loop;
    private final int batchesPerEpoch;
    private final NDManager bestManager;
    private Consumer<EpochReport> listener = r -> { };
    private Consumer<StepReport> stepListener = r -> { };
    private Path checkpointRoot;

    private int epochsDone;
    private int batchesDone;
    private double trainLossSum;
    private long trainCorrect;
    private long trainSeen;
    private int bestEpoch;
    private double bestLoss = Double.NaN;
    private int sinceBest;
    private SequencedMap<String, NDArray> bestWeights;
    private long lastCheckpointStep = -1;

    public ClassifierTraining(ClassifierModel model, ClassificationData train, ClassificationData validation,
                              FinetuneConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.train = Objects.requireNonNull(train, "train");
        this.validation = Objects.requireNonNull(validation, "validation");
        this.config = Objects.requireNonNull(config, "config");
        sameShape("training", train);
        sameShape("validation", validation);
        this.batchesPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
        if (config.dropout() != null) {
            model.base().setDropout(config.dropout());
        }
        int totalSteps = batchesPerEpoch * config.epochs();
        if (config.warmupSteps() > totalSteps) {
            throw new IllegalArgumentException("warmupSteps " + config.warmupSteps() + " exceeds the run's "
                    + totalSteps + " steps (" + config.epochs() + " epochs of " + batchesPerEpoch + " batches)");
        }
        // Without a floor the rate stays constant after warmup, as the book's: the schedule's floor is the peak.
        TrainConfig loopConfig = TrainConfig.builder().batchSize(config.batchSize())
                .learningRate(config.learningRate())
                .minLearningRate(config.minLearningRate() != null ? config.minLearningRate() : config.learningRate())
                .warmupSteps(config.warmupSteps()).maxSteps(totalSteps).weightDecay(config.weightDecay())
                .beta1(config.beta1()).beta2(config.beta2()).eps(config.eps()).gradClip(config.gradClip())
                .gradAccumulation(1).seed(config.seed()).decayEmbeddings(true)
                .maxNonFiniteInARow(config.maxNonFiniteInARow()).keepCheckpoints(config.keepCheckpoints()).build();
        SequencedMap<String, NDArray> trainable = config.trainable().select(model);
        // A weight some earlier loop made record gradients (a base pretrained in this JVM) would keep collecting
        // them, unused, through the frozen part: frozen means no gradient at all.
        model.parameters().forEach((name, p) -> {
            if (!trainable.containsKey(name) && p.hasGradient()) {
                p.setRequiresGradient(false);
            }
        });
        this.loop = new TrainingLoop(model.manager(), trainable, loopConfig);
        this.bestManager = model.manager().newSubManager();
    }

    private void sameShape(String which, ClassificationData data) {
        if (!data.labels().equals(model.labels())) {
            throw new IllegalArgumentException("the " + which + " data has labels " + data.labels()
                    + ", the model " + model.labels());
        }
        if (data.maxLength() != model.maxLength()) {
            throw new IllegalArgumentException("the " + which + " data is cut at " + data.maxLength()
                    + " tokens, the model reads " + model.maxLength());
        }
    }

    /** Called after every finished epoch (validation done, checkpoint written). */
    public ClassifierTraining onEpoch(Consumer<EpochReport> listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Called after every optimizer step. */
    public ClassifierTraining onStep(Consumer<StepReport> listener) {
        this.stepListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Optimizer steps in one epoch (the last batch may be smaller). */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    /** Optimizer steps of the whole run, if it is not stopped early. */
    public long totalSteps() {
        return (long) batchesPerEpoch * config.epochs();
    }

    /** Writes a checkpoint under {@code root} after every epoch and when cancelled. */
    public ClassifierTraining checkpointsTo(Path root) {
        this.checkpointRoot = root;
        return this;
    }

    /**
     * Continues from a checkpoint written by this class: weights, optimizer moments, step, position in the epoch,
     * the epoch's running figures and the best epoch so far. The batch size, seed and trainable set must be the
     * run's; the number of epochs may grow.
     */
    public ClassifierTraining resumeFrom(Path checkpoint) throws IOException {
        TrainingCheckpoints.State state = TrainingCheckpoints.readState(checkpoint);
        sameAsSaved("batchSize", state.batchSize(), config.batchSize());
        sameAsSaved("seed", state.seed(), config.seed());
        sameAsSaved("trainable", state.trainable(), config.trainable().wireName());
        TrainingCheckpoints.restoreWeights(checkpoint, model);
        Checkpoint.restoreOptimizer(checkpoint, loop.optimizer(), model.manager());
        loop.resumeAt(state.steps(), state.skippedSteps());
        epochsDone = state.epochsDone();
        batchesDone = state.batchesDone();
        trainLossSum = state.trainLossSum();
        trainCorrect = state.trainCorrect();
        trainSeen = state.trainSeen();
        bestEpoch = state.bestEpoch();
        bestLoss = state.bestLoss();
        sinceBest = state.sinceBest();
        if (bestEpoch > 0) {
            SequencedMap<String, NDArray> targets = emptyBest();
            if (TrainingCheckpoints.restoreBest(checkpoint, targets, bestManager)) {
                bestWeights = targets;
            }
        }
        lastCheckpointStep = state.steps();
        return this;
    }

    /**
     * Trains until the configured epochs are done, early stopping says so, or {@code cancelled} (checked before
     * every step) returns true.
     */
    public FinetuneResult run(BooleanSupplier cancelled) throws IOException {
        List<EpochReport> history = new ArrayList<>();
        boolean wasCancelled = false;
        // a resumed run that had already trained every epoch did not stop early, whatever its patience says
        boolean stoppedEarly = config.earlyStopping() && sinceBest >= config.earlyStoppingPatience()
                && epochsDone < config.epochs();
        Path last = null;
        while (epochsDone < config.epochs() && !stoppedEarly) {
            long start = System.nanoTime();
            List<int[]> batches = ClassificationData.chunks(train.epochOrder(config.seed(), epochsDone),
                    config.batchSize());
            while (batchesDone < batches.size()) {
                if (cancelled.getAsBoolean()) {
                    wasCancelled = true;
                    break;
                }
                TrainingLoop.Step step = trainOn(batches.get(batchesDone));
                batchesDone++;
                stepListener.accept(new StepReport(epochsDone + 1, batchesDone, batchesPerEpoch, step));
            }
            if (wasCancelled) {
                break;
            }
            Scores scores = score(validation);
            double validationAccuracy = scores.correct(validation) / (double) validation.size();
            boolean best = bestEpoch == 0 || scores.meanLoss() < bestLoss;
            epochsDone++;
            if (best) {
                bestEpoch = epochsDone;
                bestLoss = scores.meanLoss();
                sinceBest = 0;
                if (config.earlyStopping()) {
                    keepBest();
                }
            } else {
                sinceBest++;
            }
            EpochReport report = new EpochReport(epochsDone, config.epochs(), loop.steps(), trainLossSum / trainSeen,
                    trainCorrect / (double) trainSeen, scores.meanLoss(), validationAccuracy,
                    (System.nanoTime() - start) / 1e9, best, predictions(scores, true), predictions(scores, false));
            batchesDone = 0;
            trainLossSum = 0;
            trainCorrect = 0;
            trainSeen = 0;
            if (checkpointRoot != null) {
                last = writeCheckpoint();
            }
            history.add(report);
            listener.accept(report);
            stoppedEarly = config.earlyStopping() && sinceBest >= config.earlyStoppingPatience()
                    && epochsDone < config.epochs();
        }
        if (wasCancelled && checkpointRoot != null && loop.steps() > 0 && lastCheckpointStep != loop.steps()) {
            last = writeCheckpoint();
        }
        boolean restored = false;
        if (!wasCancelled && config.earlyStopping() && bestWeights != null && sinceBest > 0) {
            TrainingCheckpoints.copyInto(bestWeights, loop.trainable(), "the best epoch's weights");
            restored = true;
        }
        return new FinetuneResult(epochsDone, loop.steps(), wasCancelled, stoppedEarly, bestEpoch, bestLoss,
                restored, List.copyOf(history), last);
    }

    /** Accuracy (with its Wilson interval), per-class precision / recall / F1 and the confusion matrix on data. */
    public ClassificationMetrics evaluate(ClassificationData data) {
        return ClassificationMetrics.of(model.labels(), data.goldLabels(), score(data).predicted());
    }

    /** The model's answer on every example of {@code data}, in order. */
    public List<Prediction> predict(ClassificationData data) {
        Scores scores = score(data);
        return IntStream.range(0, data.size()).mapToObj(i -> scores.prediction(data, i)).toList();
    }

    private TrainingLoop.Step trainOn(int[] indices) {
        long[] correct = new long[1];
        TrainingLoop.Step step = loop.step(scope -> {
            ClassificationData.Batch batch = train.batch(scope, indices);
            NDArray logits = model.logits(batch.ids(), batch.lengths(), true);
            long[] predicted = logits.argMax(-1).toLongArray();
            for (int b = 0; b < indices.length; b++) {
                if (predicted[b] == train.example(indices[b]).label()) {
                    correct[0]++;
                }
            }
            return CrossEntropy.mean(logits, batch.labels());
        });
        // A skipped step's loss is not finite and its predictions came from broken logits: the epoch's train figures
        // average over the steps that counted, so one bad batch does not turn them into NaN.
        if (!step.skipped()) {
            trainLossSum += step.loss() * indices.length;
            trainCorrect += correct[0];
            trainSeen += indices.length;
        }
        return step;
    }

    /** Every example's probabilities and the mean cross-entropy, without dropout or gradients. */
    private Scores score(ClassificationData data) {
        int k = model.labels().size();
        float[][] probabilities = new float[data.size()][];
        double lossSum = 0;
        int[] order = IntStream.range(0, data.size()).toArray();
        try (NDManager scope = model.manager().newSubManager(); NoGrad ignored = NoGrad.enter(scope)) {
            for (int[] indices : ClassificationData.chunks(order, config.batchSize())) {
                try (NDManager local = scope.newSubManager()) {
                    ClassificationData.Batch batch = data.batch(local, indices);
                    NDArray logProbabilities = model.logits(batch.ids(), batch.lengths(), false).logSoftmax(-1);
                    float[] values = logProbabilities.toFloatArray();
                    for (int b = 0; b < indices.length; b++) {
                        float[] p = new float[k];
                        for (int c = 0; c < k; c++) {
                            p[c] = (float) Math.exp(values[b * k + c]);
                        }
                        probabilities[indices[b]] = p;
                        lossSum -= values[b * k + data.example(indices[b]).label()];
                    }
                }
            }
        }
        int[] predicted = new int[data.size()];
        for (int i = 0; i < predicted.length; i++) {
            predicted[i] = ClassifierModel.argmax(probabilities[i]);
        }
        return new Scores(lossSum / data.size(), predicted, probabilities);
    }

    private record Scores(double meanLoss, int[] predicted, float[][] probabilities) {
        long correct(ClassificationData data) {
            return IntStream.range(0, predicted.length).filter(i -> predicted[i] == data.example(i).label()).count();
        }

        Prediction prediction(ClassificationData data, int i) {
            ClassificationData.Example example = data.example(i);
            return new Prediction(example.text(), example.label(), predicted[i], probabilities[i]);
        }
    }

    /** The validation examples with the highest ({@code best}) or lowest probability on their right label. */
    private List<Prediction> predictions(Scores scores, boolean best) {
        Comparator<Prediction> byGold = Comparator.comparingDouble(Prediction::goldProbability);
        return IntStream.range(0, validation.size()).mapToObj(i -> scores.prediction(validation, i))
                .sorted(best ? byGold.reversed() : byGold)
                .limit(config.predictionsShown())
                .toList();
    }

    private SequencedMap<String, NDArray> emptyBest() {
        SequencedMap<String, NDArray> targets = new LinkedHashMap<>();
        loop.trainable().forEach((name, p) -> targets.put(name, bestManager.zeros(p.getShape(), p.getDataType())));
        return targets;
    }

    /** Copies the trained parameters aside; the frozen ones cannot have changed. */
    private void keepBest() {
        if (bestWeights == null) {
            bestWeights = emptyBest();
        }
        TrainingCheckpoints.copyInto(loop.trainable(), bestWeights, "the trained weights");
    }

    private Path writeCheckpoint() throws IOException {
        TrainingCheckpoints.State state = new TrainingCheckpoints.State(epochsDone, batchesDone, loop.steps(),
                loop.skippedSteps(), trainLossSum, trainCorrect, trainSeen, bestEpoch, bestLoss, sinceBest,
                config.batchSize(), config.seed(), config.trainable().wireName());
        Path written = TrainingCheckpoints.write(checkpointRoot, model, loop.optimizer(), bestWeights, state,
                config.keepCheckpoints());
        lastCheckpointStep = loop.steps();
        return written;
    }

    private static void sameAsSaved(String field, Object saved, Object now) {
        Checkpoint.requireSame(field, saved, now, "its saved position would mean other batches");
    }

    @Override
    public void close() {
        loop.close();
        bestManager.close();
    }
}
