package dev.llmmesh.core.train;

/**
 * The checks every training config makes, with one wording: a message starts with the field's name (the job
 * validation in mesh reads it to name the job's field), then the rule, then the value given.
 */
public final class ConfigChecks {
    private ConfigChecks() {
    }

    public static void positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    public static void nonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
    }

    public static void unitInterval(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1), got " + value);
        }
    }

    /** The floor a cosine decay of the learning rate ends at. */
    public static void learningRateFloor(double learningRate, double minLearningRate) {
        if (!(minLearningRate >= 0 && minLearningRate <= learningRate)) {
            throw new IllegalArgumentException("minLearningRate must be in [0, learningRate = " + learningRate
                    + "], got " + minLearningRate);
        }
    }

    /** AdamW's settings and the gradient clip, as {@link AdamW} and {@link GradientClipping} take them. */
    public static void optimizer(double learningRate, double weightDecay, double beta1, double beta2, double eps,
                                 double gradClip) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be positive and finite, got " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be >= 0 and finite, got " + weightDecay);
        }
        unitInterval("beta1", beta1);
        unitInterval("beta2", beta2);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be positive, got " + eps);
        }
        if (!(gradClip >= 0) || Double.isInfinite(gradClip)) {
            throw new IllegalArgumentException("gradClip must be >= 0 (0 = off), got " + gradClip);
        }
    }
}
