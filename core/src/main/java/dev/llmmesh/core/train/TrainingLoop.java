package dev.llmmesh.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.SequencedMap;

/**
 * One optimizer step at a time over the parameters being trained, shared by pretraining and every fine-tune.
 *
 * <p>A step: reseed the engine with {@code seed + step} (so the dropout masks of a step do not depend on how many
 * steps ran before it in this process: a resumed run replays the straight run's masks); for each of
 * {@code gradAccumulation} micro-batches, the caller's loss, backward of loss / accumulation (gradients add up in
 * the parameters); then global-norm clipping, a NaN/inf guard that skips the update, AdamW at the schedule's
 * learning rate, and zeroed gradients.
 *
 * <p>Only the trainable parameters are made to record gradients, clipped and given AdamW moments; every other
 * array the loss reads is a constant to autograd (as long as nothing else asked it to record), so a frozen
 * backbone costs neither gradient nor optimizer memory.
 *
 * <p>libtorch allows one gradient collector per process ({@code PtGradientCollector}), so two loops cannot
 * step at the same time in one JVM. The owner closes the parameters; this closes only the optimizer.
 */
public final class TrainingLoop implements AutoCloseable {

    /** The loss of one micro-batch. */
    @FunctionalInterface
    public interface MicroBatchLoss {
        /**
         * Fetches the next micro-batch and runs the training forward on it (dropout on).
         *
         * @param scope owns every array this call makes; closed when the micro-batch's backward is done
         * @return the micro-batch's mean loss, a differentiable float32 scalar
         */
        NDArray next(NDManager scope);
    }

    /**
     * What one step did.
     *
     * @param step          1-based number of the update
     * @param loss          mean of the micro-batches' losses (NaN/inf for a skipped step)
     * @param learningRate  the rate this step used
     * @param gradNorm      global L2 norm of the trainable parameters' gradients, before clipping
     * @param skipped       the loss or gradients were not finite, so no update was made
     * @param seconds       wall time of the step
     */
    public record Step(long step, double loss, double learningRate, double gradNorm, boolean skipped,
                       double seconds) {
    }

    private final NDManager manager;
    private final SequencedMap<String, NDArray> trainable;
    private final TrainConfig config;
    private final LearningRateSchedule schedule;
    private final AdamW optimizer;

    private long step;
    private long skippedSteps;
    private int nonFiniteInARow;

    /**
     * @param manager   scopes of each step are made below it (the model's manager)
     * @param trainable the parameters to train, by name; the names key the optimizer state and checkpoints
     * @param config    seed, gradAccumulation, gradClip, maxNonFiniteInARow, the schedule and AdamW settings
     */
    public TrainingLoop(NDManager manager, SequencedMap<String, NDArray> trainable, TrainConfig config) {
        this.manager = Objects.requireNonNull(manager, "manager");
        this.config = Objects.requireNonNull(config, "config");
        if (trainable.isEmpty()) {
            throw new IllegalArgumentException("no trainable parameters");
        }
        this.trainable = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(trainable));
        this.trainable.values().forEach(Autograd::requireGradient);
        this.schedule = LearningRateSchedule.of(config);
        this.optimizer = AdamW.of(this.trainable, config);
    }

    /** Runs step {@link #steps()} + 1, calling {@code loss} once per micro-batch. */
    public Step step(MicroBatchLoss loss) {
        long current = step + 1;
        long start = System.nanoTime();
        double learningRate = schedule.at(current);
        Engine engine = Engine.getInstance();
        engine.setRandomSeed((int) (config.seed() + current));
        int accumulation = config.gradAccumulation();
        double lossSum = 0;
        double gradNorm;
        boolean finite;
        try (NDManager stepScope = manager.newSubManager()) {
            for (int micro = 0; micro < accumulation; micro++) {
                // a scope per micro-batch: its activations are freed before the next one runs
                try (NDManager microScope = stepScope.newSubManager();
                     GradientCollector collector = engine.newGradientCollector()) {
                    NDArray microLoss = loss.next(microScope);
                    // gradients of the mean over all accumulated micro-batches, since backward adds them up
                    collector.backward(microLoss.div(accumulation));
                    lossSum += microLoss.getFloat();
                }
            }
            SequencedMap<String, NDArray> gradients = new LinkedHashMap<>();
            trainable.forEach((name, p) -> gradients.put(name, Autograd.gradient(p, stepScope)));
            gradNorm = GradientClipping.clipByGlobalNorm(gradients.values(), config.gradClip());
            finite = Double.isFinite(lossSum) && Double.isFinite(gradNorm);
            if (finite) {
                optimizer.step(learningRate, gradients);
            }
            trainable.values().forEach(Autograd::zeroGradient);
        }
        step = current;
        if (finite) {
            nonFiniteInARow = 0;
        } else {
            skippedSteps++;
            if (++nonFiniteInARow >= config.maxNonFiniteInARow()) {
                throw new NonFiniteLossException(current, nonFiniteInARow);
            }
        }
        return new Step(current, lossSum / accumulation, learningRate, gradNorm, !finite,
                (System.nanoTime() - start) / 1e9);
    }

    /** Completed steps, including those before a resume. */
    public long steps() {
        return step;
    }

    /** Steps whose update was skipped for a non-finite loss or gradient. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /** The parameters being trained, in the order given. */
    public SequencedMap<String, NDArray> trainable() {
        return trainable;
    }

    /** Holds the moments of the trainable parameters only: what a checkpoint saves and restores. */
    public AdamW optimizer() {
        return optimizer;
    }

    /**
     * Continues the count of a run restored from a checkpoint (its weights and {@link #optimizer()} state loaded
     * by the caller), so the schedule and the engine seed pick up at step {@code steps} + 1.
     */
    public void resumeAt(long steps, long skippedSteps) {
        if (steps < 0 || skippedSteps < 0 || skippedSteps > steps) {
            throw new IllegalArgumentException("need 0 <= skippedSteps (" + skippedSteps + ") <= steps ("
                    + steps + ")");
        }
        this.step = steps;
        this.skippedSteps = skippedSteps;
        this.nonFiniteInARow = 0;
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
