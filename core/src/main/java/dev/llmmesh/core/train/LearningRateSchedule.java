package dev.llmmesh.core.train;

/**
 * Linear warmup, then cosine decay, then flat: the schedule of GPT-3 / nanoGPT.
 *
 * <p>Steps count optimizer updates from 1: step {@code s} is the learning rate of the s-th update. The
 * warmup starts from 0 at step 0 (which never runs), so the first update already moves the weights, and
 * reaches the peak at {@code warmupSteps}. The cosine then falls to {@code minLearningRate} exactly at
 * {@code maxSteps} and stays there if a run goes on past it.
 */
public record LearningRateSchedule(double learningRate, double minLearningRate, int warmupSteps, int maxSteps) {

    public LearningRateSchedule {
        if (!(learningRate > 0) || !(minLearningRate >= 0) || minLearningRate > learningRate) {
            throw new IllegalArgumentException("need 0 <= minLearningRate (" + minLearningRate
                    + ") <= learningRate (" + learningRate + "), learningRate > 0");
        }
        if (warmupSteps < 0 || maxSteps < warmupSteps) {
            throw new IllegalArgumentException("need 0 <= warmupSteps (" + warmupSteps + ") <= maxSteps ("
                    + maxSteps + ")");
        }
    }

    public static LearningRateSchedule of(TrainConfig config) {
        return new LearningRateSchedule(config.learningRate(), config.minLearningRate(), config.warmupSteps(),
                config.maxSteps());
    }

    public double at(long step) {
        if (step <= 0) {
            return 0;
        }
        if (step < warmupSteps) {
            return learningRate * step / warmupSteps;
        }
        if (step >= maxSteps) {
            // also covers warmupSteps == maxSteps, where there is no decay phase to interpolate
            return step == warmupSteps ? learningRate : minLearningRate;
        }
        double progress = (double) (step - warmupSteps) / (maxSteps - warmupSteps);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return minLearningRate + cosine * (learningRate - minLearningRate);
    }
}
