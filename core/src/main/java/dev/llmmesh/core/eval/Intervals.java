package dev.llmmesh.core.eval;

/**
 * 95% confidence intervals for the two shapes every figure here has: a proportion (accuracy: successes out of n)
 * and a mean of per-example scores (loss of a window, sentence BLEU, a judge's score).
 */
public final class Intervals {
    /** The standard normal's 97.5% quantile: 95% two-sided. */
    public static final double Z95 = 1.959963984540054;

    private Intervals() {
    }

    /**
     * Wilson's score interval for a proportion. Unlike the normal ("Wald") interval it stays inside [0, 1] and does
     * not collapse to a point at 0 or n successes, which matters for the small, often perfect or hopeless, samples
     * evaluations run on.
     */
    public static Interval wilson(long successes, long n) {
        if (n < 0 || successes < 0 || successes > n) {
            throw new IllegalArgumentException("need 0 <= successes <= n, got " + successes + " of " + n);
        }
        if (n == 0) {
            return Interval.undefined();
        }
        double p = (double) successes / n;
        double z2 = Z95 * Z95;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = Z95 / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        // clamp rounding: at p = 0 the low bound is 0 exactly in real arithmetic
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /**
     * Student's t interval for the mean of {@code values}: mean +- t(0.975, n-1) * s / sqrt(n), s the sample standard
     * deviation (n-1 in the denominator). For the sample sizes of an evaluation (hundreds) t is the normal interval;
     * for a handful of examples it is honestly wider. Undefined for fewer than two values.
     */
    public static Interval mean(double[] values) {
        int n = values.length;
        if (n < 2) {
            return Interval.undefined();
        }
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= n;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double half = t975(n - 1) * Math.sqrt(squares / (n - 1) / n);
        return new Interval(mean - half, mean + half);
    }

    /**
     * The 97.5% quantile of Student's t with {@code df} degrees of freedom, by bisection on its CDF (exact finite
     * series for integer df, Abramowitz and Stegun 26.7.3-4); the normal's beyond 10,000 df, where they agree to 1e-4.
     */
    public static double t975(long df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be positive, got " + df);
        }
        if (df > 10_000) {
            return Z95;
        }
        double low = Z95; // t's quantiles are above the normal's
        double high = 13; // t(0.975, 1) = 12.706
        for (int i = 0; i < 100 && high - low > 1e-12; i++) {
            double mid = (low + high) / 2;
            if (centralMass(mid, (int) df) < 0.95) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return (low + high) / 2;
    }

    /** P(|T| <= t) for Student's t with df degrees of freedom. */
    static double centralMass(double t, int df) {
        double theta = Math.atan(t / Math.sqrt(df));
        double c2 = Math.cos(theta) * Math.cos(theta);
        double s = Math.sin(theta);
        if (df % 2 == 1) {
            // (2/pi) * (theta + sin(theta) * (cos + 2/3 cos^3 + (2*4)/(3*5) cos^5 + ... up to cos^(df-2)))
            double term = Math.cos(theta);
            double sum = df > 1 ? term : 0;
            for (int k = 3; k <= df - 2; k += 2) {
                term *= c2 * (k - 1) / k;
                sum += term;
            }
            return 2 / Math.PI * (theta + s * sum);
        }
        // sin(theta) * (1 + 1/2 cos^2 + (1*3)/(2*4) cos^4 + ... up to cos^(df-2))
        double term = 1;
        double sum = 1;
        for (int k = 2; k <= df - 2; k += 2) {
            term *= c2 * (k - 1) / k;
            sum += term;
        }
        return s * sum;
    }
}
