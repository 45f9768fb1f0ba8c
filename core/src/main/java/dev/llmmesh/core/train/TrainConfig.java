package dev.llmmesh.core.train;

/**
 * Everything that shapes a pretraining run. Defaults follow nanoGPT's small-model settings.
 *
 * @param batchSize             sequences per micro-batch
 * @param contextLength         tokens per sequence (at most the model's context length)
 * @param stride                tokens between the starts of consecutive sample windows; equal to
 *                              contextLength for non-overlapping samples
 * @param learningRate          peak learning rate, reached at the end of warmup
 * @param minLearningRate       floor of the cosine decay, reached at maxSteps
 * @param warmupSteps           linear warmup length in optimizer steps; when not given,
 *                              {@link #defaultWarmupSteps(int)} of maxSteps
 * @param maxSteps              optimizer steps of the run (and the end of the cosine decay)
 * @param weightDecay           decoupled AdamW decay, applied to matrices only
 * @param beta1                 AdamW first-moment decay
 * @param beta2                 AdamW second-moment decay
 * @param eps                   AdamW denominator epsilon
 * @param gradClip              maximum global L2 norm of the gradients; 0 disables clipping
 * @param gradAccumulation      micro-batches summed into one optimizer step
 * @param evalEvery             steps between validation passes; 0 disables the periodic ones (a finished run
 *                              still measures its final weights once)
 * @param evalBatches           batches per validation pass: it scores that many times batchSize distinct
 *                              held-out windows, or all of them when there are fewer
 * @param checkpointEvery       steps between checkpoints; 0 writes one only at the end
 * @param seed                  seeds the data order and the engine (dropout) RNG
 * @param decayEmbeddings       whether wte/wpe are decayed too (nanoGPT does: they are 2-D)
 * @param validationFraction    tail of the token stream held out for validation, in [0, 1)
 * @param maxNonFiniteInARow    consecutive NaN/inf steps tolerated (skipped) before the run fails
 * @param keepCheckpoints       most recent checkpoints kept on disk
 */
public record TrainConfig(int batchSize, int contextLength, int stride, double learningRate,
                          double minLearningRate, int warmupSteps, int maxSteps, double weightDecay,
                          double beta1, double beta2, double eps, double gradClip, int gradAccumulation,
                          int evalEvery, int evalBatches, int checkpointEvery, long seed,
                          boolean decayEmbeddings, double validationFraction, int maxNonFiniteInARow,
                          int keepCheckpoints) {

    public TrainConfig {
        ConfigChecks.positive("batchSize", batchSize);
        ConfigChecks.positive("contextLength", contextLength);
        ConfigChecks.positive("stride", stride);
        ConfigChecks.optimizer(learningRate, weightDecay, beta1, beta2, eps, gradClip);
        ConfigChecks.learningRateFloor(learningRate, minLearningRate);
        ConfigChecks.positive("maxSteps", maxSteps);
        if (warmupSteps < 0 || warmupSteps > maxSteps) {
            throw new IllegalArgumentException("warmupSteps must be in [0, maxSteps = " + maxSteps + "], got "
                    + warmupSteps);
        }
        ConfigChecks.positive("gradAccumulation", gradAccumulation);
        ConfigChecks.nonNegative("evalEvery", evalEvery);
        ConfigChecks.positive("evalBatches", evalBatches);
        ConfigChecks.nonNegative("checkpointEvery", checkpointEvery);
        ConfigChecks.unitInterval("validationFraction", validationFraction);
        ConfigChecks.positive("maxNonFiniteInARow", maxNonFiniteInARow);
        ConfigChecks.positive("keepCheckpoints", keepCheckpoints);
    }

    /** The warmup of a run that does not set one, for runs of at least 1000 steps. */
    public static final int DEFAULT_WARMUP_STEPS = 100;

    /**
     * {@value #DEFAULT_WARMUP_STEPS} steps, but at most a tenth of the run: a fixed warmup would make every run
     * shorter than it invalid (or all warmup) for a setting its author never chose.
     */
    public static int defaultWarmupSteps(int maxSteps) {
        return Math.min(DEFAULT_WARMUP_STEPS, Math.max(0, maxSteps / 10));
    }

    public static TrainConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Tokens that one optimizer step consumes. */
    public long tokensPerStep() {
        return (long) batchSize * contextLength * gradAccumulation;
    }

    public static final class Builder {
        private int batchSize = 8;
        private int contextLength = 256;
        private Integer stride; // null: follow contextLength (non-overlapping windows)
        private double learningRate = 6e-4;
        private double minLearningRate = 6e-5;
        private Integer warmupSteps; // null: defaultWarmupSteps(maxSteps)
        private int maxSteps = 5000;
        private double weightDecay = 0.1;
        private double beta1 = 0.9;
        private double beta2 = 0.95;
        private double eps = 1e-8;
        private double gradClip = 1.0;
        private int gradAccumulation = 1;
        private int evalEvery = 250;
        private int evalBatches = 20;
        private int checkpointEvery = 1000;
        private long seed = 1337;
        private boolean decayEmbeddings = true;
        private double validationFraction = 0.1;
        private int maxNonFiniteInARow = 5;
        private int keepCheckpoints = 2;

        private Builder() {
        }

        private Builder(TrainConfig c) {
            batchSize = c.batchSize;
            contextLength = c.contextLength;
            stride = c.stride;
            learningRate = c.learningRate;
            minLearningRate = c.minLearningRate;
            warmupSteps = c.warmupSteps;
            maxSteps = c.maxSteps;
            weightDecay = c.weightDecay;
            beta1 = c.beta1;
            beta2 = c.beta2;
            eps = c.eps;
            gradClip = c.gradClip;
            gradAccumulation = c.gradAccumulation;
            evalEvery = c.evalEvery;
            evalBatches = c.evalBatches;
            checkpointEvery = c.checkpointEvery;
            seed = c.seed;
            decayEmbeddings = c.decayEmbeddings;
            validationFraction = c.validationFraction;
            maxNonFiniteInARow = c.maxNonFiniteInARow;
            keepCheckpoints = c.keepCheckpoints;
        }

        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder contextLength(int v) { contextLength = v; return this; }
        public Builder stride(int v) { stride = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder minLearningRate(double v) { minLearningRate = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder maxSteps(int v) { maxSteps = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder beta1(double v) { beta1 = v; return this; }
        public Builder beta2(double v) { beta2 = v; return this; }
        public Builder eps(double v) { eps = v; return this; }
        public Builder gradClip(double v) { gradClip = v; return this; }
        public Builder gradAccumulation(int v) { gradAccumulation = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder evalBatches(int v) { evalBatches = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder decayEmbeddings(boolean v) { decayEmbeddings = v; return this; }
        public Builder validationFraction(double v) { validationFraction = v; return this; }
        public Builder maxNonFiniteInARow(int v) { maxNonFiniteInARow = v; return this; }
        public Builder keepCheckpoints(int v) { keepCheckpoints = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(batchSize, contextLength, stride == null ? contextLength : stride, learningRate,
                    minLearningRate, warmupSteps == null ? defaultWarmupSteps(maxSteps) : warmupSteps, maxSteps,
                    weightDecay, beta1, beta2, eps, gradClip,
                    gradAccumulation, evalEvery, evalBatches, checkpointEvery, seed, decayEmbeddings,
                    validationFraction, maxNonFiniteInARow, keepCheckpoints);
        }
    }
}
