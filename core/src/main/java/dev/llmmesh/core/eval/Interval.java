package dev.llmmesh.core.eval;

/**
 * A two-sided 95% confidence interval. Both bounds are NaN when the data cannot give one (no examples, or one
 * example where the interval needs a spread): callers then report the figure without an interval.
 */
public record Interval(double low, double high) {
    public static final double LEVEL = 0.95;

    public static Interval undefined() {
        return new Interval(Double.NaN, Double.NaN);
    }

    public boolean defined() {
        return !Double.isNaN(low) && !Double.isNaN(high);
    }

    public boolean contains(double value) {
        return defined() && low <= value && value <= high;
    }
}
