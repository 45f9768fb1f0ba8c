package dev.llmmesh.core.finetune;

import dev.llmmesh.core.train.ConfigChecks;

import java.util.Objects;

/**
 * Everything that shapes a classification fine-tune. Defaults follow chapter 6 of the book: AdamW at 5e-5 with
 * weight decay 0.1, batches of 8, 5 epochs, the last block trained, seed 123.
 *
 * @param epochs                passes over the training set
 * @param batchSize             examples per optimizer step
 * @param learningRate          AdamW's rate at the end of warmup
 * @param minLearningRate       where a cosine decay from {@code learningRate} ends at the last step, as
 *                              HuggingFace's trainer and nanoGPT decay; null keeps the rate constant (the book)
 * @param warmupSteps           linear warmup from 0, in optimizer steps; 0 = none (the book's choice)
 * @param weightDecay           decoupled AdamW decay, applied to matrices only
 * @param beta1                 AdamW first-moment decay (torch's default 0.9)
 * @param beta2                 AdamW second-moment decay (torch's default 0.999)
 * @param eps                   AdamW denominator epsilon
 * @param gradClip              maximum global L2 norm of the trained parameters' gradients; 0 = off
 * @param dropout               dropout while fine-tuning, in [0, 1); null keeps the base model's own (its
 *                              config's, 0.1 for OpenAI's GPT-2 and 0 for a base pretrained without it)
 * @param earlyStoppingPatience epochs without a lower validation loss before stopping; null or 0 = off. When on,
 *                              the weights of the best epoch are restored at the end
 * @param trainable             which parameters train
 * @param seed                  the shuffling of each epoch and the dropout masks of each step
 * @param predictionsShown      best and worst validation predictions reported per epoch (each)
 * @param keepCheckpoints       most recent checkpoints kept on disk
 * @param maxNonFiniteInARow    consecutive NaN/inf steps tolerated (skipped) before the run fails
 */
public record FinetuneConfig(int epochs, int batchSize, double learningRate, Double minLearningRate, int warmupSteps,
                             double weightDecay, double beta1, double beta2, double eps, double gradClip,
                             Double dropout, Integer earlyStoppingPatience, Trainable trainable, long seed,
                             int predictionsShown, int keepCheckpoints, int maxNonFiniteInARow) {

    public FinetuneConfig {
        ConfigChecks.positive("epochs", epochs);
        ConfigChecks.positive("batchSize", batchSize);
        ConfigChecks.optimizer(learningRate, weightDecay, beta1, beta2, eps, gradClip);
        if (minLearningRate != null) {
            ConfigChecks.learningRateFloor(learningRate, minLearningRate);
        }
        ConfigChecks.nonNegative("warmupSteps", warmupSteps);
        if (dropout != null) {
            ConfigChecks.unitInterval("dropout", dropout);
        }
        if (earlyStoppingPatience != null && earlyStoppingPatience < 0) {
            throw new IllegalArgumentException("earlyStoppingPatience must be >= 0 (0 or absent = off), got "
                    + earlyStoppingPatience);
        }
        Objects.requireNonNull(trainable, "trainable");
        ConfigChecks.nonNegative("predictionsShown", predictionsShown);
        ConfigChecks.positive("keepCheckpoints", keepCheckpoints);
        ConfigChecks.positive("maxNonFiniteInARow", maxNonFiniteInARow);
    }

    public static FinetuneConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether the run stops once validation loss has not improved for {@link #earlyStoppingPatience} epochs. */
    public boolean earlyStopping() {
        return earlyStoppingPatience != null && earlyStoppingPatience > 0;
    }

    public static final class Builder {
        private int epochs = 5;
        private int batchSize = 8;
        private double learningRate = 5e-5;
        private Double minLearningRate;
        private int warmupSteps = 0;
        private double weightDecay = 0.1;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double gradClip = 1.0;
        private Double dropout;
        private Integer earlyStoppingPatience;
        private Trainable trainable = Trainable.DEFAULT;
        private long seed = 123;
        private int predictionsShown = 3;
        private int keepCheckpoints = 2;
        private int maxNonFiniteInARow = 5;

        private Builder() {
        }

        private Builder(FinetuneConfig c) {
            epochs = c.epochs;
            batchSize = c.batchSize;
            learningRate = c.learningRate;
            minLearningRate = c.minLearningRate;
            warmupSteps = c.warmupSteps;
            weightDecay = c.weightDecay;
            beta1 = c.beta1;
            beta2 = c.beta2;
            eps = c.eps;
            gradClip = c.gradClip;
            dropout = c.dropout;
            earlyStoppingPatience = c.earlyStoppingPatience;
            trainable = c.trainable;
            seed = c.seed;
            predictionsShown = c.predictionsShown;
            keepCheckpoints = c.keepCheckpoints;
            maxNonFiniteInARow = c.maxNonFiniteInARow;
        }

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder minLearningRate(Double v) { minLearningRate = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder beta1(double v) { beta1 = v; return this; }
        public Builder beta2(double v) { beta2 = v; return this; }
        public Builder eps(double v) { eps = v; return this; }
        public Builder gradClip(double v) { gradClip = v; return this; }
        public Builder dropout(Double v) { dropout = v; return this; }
        public Builder earlyStoppingPatience(Integer v) { earlyStoppingPatience = v; return this; }
        public Builder trainable(Trainable v) { trainable = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder predictionsShown(int v) { predictionsShown = v; return this; }
        public Builder keepCheckpoints(int v) { keepCheckpoints = v; return this; }
        public Builder maxNonFiniteInARow(int v) { maxNonFiniteInARow = v; return this; }

        public FinetuneConfig build() {
            return new FinetuneConfig(epochs, batchSize, learningRate, minLearningRate, warmupSteps, weightDecay,
                    beta1, beta2, eps, gradClip, dropout, earlyStoppingPatience, trainable, seed, predictionsShown,
                    keepCheckpoints, maxNonFiniteInARow);
        }
    }
}
