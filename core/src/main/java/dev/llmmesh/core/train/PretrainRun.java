package dev.llmmesh.core.train;

import ai.djl.ndarray.NDManager;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.LanguageModel;
import dev.llmmesh.core.model.NoGrad;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Pretraining of a {@link LanguageModel} on next-token prediction: warmup + cosine learning rate, gradient
 * accumulation, global-norm clipping, AdamW, periodic validation and checkpoints, resume.
 *
 * <p>Named to stay clear of {@code ai.djl.training.Trainer}, which it does not use: that trainer is built
 * around DJL Blocks and its optimizers, while the model here is any set of named parameters.
 *
 * <p>Every parameter is trained; the steps themselves are {@link TrainingLoop}'s, fed one micro-batch of token
 * windows at a time. This adds the data, validation, checkpoints, resume and MFU around them.
 *
 * <p>libtorch allows one gradient collector per process ({@code PtGradientCollector}), so two runs cannot
 * train at the same time in one JVM. The owner closes the model; this closes only the optimizer.
 */
public final class PretrainRun implements AutoCloseable {

    private final LanguageModel model;
    private final TokenWindows data;
    private final TrainConfig config;
    private final TrainingLoop loop;
    private final double flopsPerToken;
    private Path checkpointRoot;
    private Consumer<StepMetrics> listener = m -> { };
    private MatmulPeak peak;

    private long lastCheckpointStep = -1;

    public PretrainRun(LanguageModel model, TokenWindows data, TrainConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.data = Objects.requireNonNull(data, "data");
        this.config = Objects.requireNonNull(config, "config");
        GptConfig shape = model.config();
        if (data.contextLength() != config.contextLength()) {
            throw new IllegalArgumentException("data windows have contextLength " + data.contextLength()
                    + ", the config has " + config.contextLength());
        }
        if (config.contextLength() > shape.contextLength()) {
            throw new IllegalArgumentException("contextLength " + config.contextLength()
                    + " exceeds the model's context length " + shape.contextLength());
        }
        if (data.maxToken() >= shape.vocabSize()) {
            throw new IllegalArgumentException("the data holds token id " + data.maxToken()
                    + ", outside the model's vocabulary of " + shape.vocabSize());
        }
        this.loop = new TrainingLoop(model.manager(), model.parameters(), config);
        this.flopsPerToken = Flops.perToken(Flops.parameterCount(model.parameters().values()), shape.layers(),
                config.contextLength(), shape.embedDim());
    }

    /** Writes checkpoints under {@code root} every {@code checkpointEvery} steps and at the end. */
    public PretrainRun checkpointsTo(Path root) {
        this.checkpointRoot = root;
        return this;
    }

    public PretrainRun onStep(Consumer<StepMetrics> listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Uses a known peak instead of measuring one at the start of {@link #run}. */
    public PretrainRun withPeak(MatmulPeak peak) {
        this.peak = peak;
        return this;
    }

    /**
     * Continues from a checkpoint: weights, optimizer moments, step, data position. The windows must be cut
     * the same way (contextLength, stride, validationFraction), or the saved position would point at other
     * samples; the other settings may change (e.g. a larger maxSteps).
     */
    public PretrainRun resumeFrom(Path checkpoint) throws IOException {
        Checkpoint.State state = Checkpoint.readState(checkpoint);
        TrainConfig saved = state.config();
        sameAsSaved("contextLength", saved.contextLength(), config.contextLength());
        sameAsSaved("stride", saved.stride(), config.stride());
        sameAsSaved("validationFraction", saved.validationFraction(), config.validationFraction());
        Checkpoint.restoreModel(checkpoint, model);
        Checkpoint.restoreOptimizer(checkpoint, loop.optimizer(), model.manager());
        data.restore(state.position(), state.samplerState());
        loop.resumeAt(state.step(), state.skippedSteps());
        lastCheckpointStep = state.step();
        return this;
    }

    public long step() {
        return loop.steps();
    }

    /**
     * Runs until {@code maxSteps} or until {@code cancelled} says so (checked before every step), then writes a
     * last checkpoint unless no step ran.
     */
    public PretrainResult run(BooleanSupplier cancelled) throws IOException {
        if (peak == null) {
            peak = MatmulPeak.measure(model.manager());
        }
        double lastLoss = Double.NaN;
        Double lastValidation = null;
        long validatedAt = -1;
        boolean wasCancelled = false;
        while (loop.steps() < config.maxSteps()) {
            if (cancelled.getAsBoolean()) {
                wasCancelled = true;
                break;
            }
            StepMetrics metrics = trainStep();
            lastLoss = metrics.loss();
            long step = metrics.step();
            if (config.evalEvery() > 0 && data.validationWindows() > 0
                    && (step % config.evalEvery() == 0 || step == config.maxSteps())) {
                lastValidation = validationLoss();
                validatedAt = step;
                metrics = withValidation(metrics, lastValidation);
            }
            listener.accept(metrics);
            if (checkpointRoot != null && config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
                writeCheckpoint();
            }
        }
        // The published validation loss is of the final weights (a run resumed at its last step, or one without
        // periodic passes, has not measured them yet): eval-service rescores these windows and must agree.
        long step = loop.steps();
        if (!wasCancelled && step > 0 && data.validationWindows() > 0 && validatedAt != step) {
            lastValidation = validationLoss();
        }
        Path last = null;
        // A run stopped before its first step has learned nothing: a checkpoint of its initial weights would
        // only cost time and disk (17 GB for gpt2-xl) and resume nothing a fresh start would not.
        if (checkpointRoot != null && step > 0) {
            last = lastCheckpointStep == step ? checkpointRoot.resolve(Checkpoint.directoryName(step))
                    : writeCheckpoint();
        }
        return new PretrainResult(step, wasCancelled, lastLoss, lastValidation, loop.skippedSteps(), peak, last);
    }

    /**
     * The held-out windows a validation pass scores: the first {@code evalBatches * batchSize} of the validation
     * tail, or all of them when there are fewer, each once.
     */
    public TokenWindows.Validation validationWindows() {
        return data.validation((int) Math.min((long) config.evalBatches() * config.batchSize(), Integer.MAX_VALUE));
    }

    /**
     * Mean next-token loss (nats) over every target of {@link #validationWindows()}, without dropout or gradients.
     * Every window has {@code contextLength} targets, so weighting each batch by its window count makes this the
     * mean over tokens, also when the last batch is smaller.
     */
    public double validationLoss() {
        int windows = validationWindows().windows();
        if (windows == 0) {
            throw new IllegalStateException("no validation windows (validationFraction is 0)");
        }
        int batchSize = config.batchSize();
        double sum = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int i = 0; (long) i * batchSize < windows; i++) {
                try (NDManager scope = model.manager().newSubManager()) {
                    TokenWindows.Batch batch = data.validationBatch(scope, i, batchSize, windows);
                    long inBatch = batch.x().getShape().get(0);
                    sum += inBatch * (double) CrossEntropy.mean(model.forward(batch.x(), false), batch.y()).getFloat();
                }
            }
        }
        return sum / windows;
    }

    private StepMetrics trainStep() {
        int batchSize = config.batchSize();
        TrainingLoop.Step done = loop.step(scope -> {
            TokenWindows.Batch batch = data.nextTrainBatch(scope, batchSize);
            return CrossEntropy.mean(model.forward(batch.x(), true), batch.y());
        });
        double tokensPerSecond = config.tokensPerStep() / done.seconds();
        double mfu = tokensPerSecond * flopsPerToken / peak.flopsPerSecond();
        return new StepMetrics(done.step(), done.loss(), done.learningRate(), done.gradNorm(), tokensPerSecond, mfu,
                null, done.skipped());
    }

    private Path writeCheckpoint() throws IOException {
        Checkpoint.State state = new Checkpoint.State(loop.steps(), data.position(), data.samplerState(),
                loop.skippedSteps(), config, model.config());
        Path written = Checkpoint.write(checkpointRoot, model, loop.optimizer(), state, config.keepCheckpoints());
        lastCheckpointStep = state.step();
        return written;
    }

    private static StepMetrics withValidation(StepMetrics m, double validationLoss) {
        return new StepMetrics(m.step(), m.loss(), m.learningRate(), m.gradNorm(), m.tokensPerSecond(), m.mfu(),
                validationLoss, m.skipped());
    }

    private static void sameAsSaved(String field, Object saved, Object now) {
        Checkpoint.requireSame(field, saved, now, "the saved data position would point at other samples");
    }

    @Override
    public void close() {
        loop.close();
    }
}
