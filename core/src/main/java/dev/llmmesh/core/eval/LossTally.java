package dev.llmmesh.core.eval;

import java.util.Arrays;

/**
 * Adds up the log-probabilities of the scored targets of windows into a token-weighted loss and perplexity.
 *
 * <p>The loss is the total negative log-likelihood over all scored tokens divided by their count, so a short last
 * window counts for its tokens, not as a whole window. Its 95% interval treats windows as the independent units (the
 * tokens within one are not independent): the loss is a ratio of per-window sums, whose standard error is
 * {@code sqrt(k/(k-1) * sum_i (S_i - loss * N_i)^2) / sum_i N_i} over the k windows, window i with negative
 * log-likelihood sum S_i over N_i targets (the delta method for a ratio estimator). When all windows have the same
 * length this is exactly the normal interval of the per-window mean losses. The bounds use Student's t with k-1
 * degrees of freedom and are exponentiated into the perplexity's interval. Needs two windows; undefined (NaN) below.
 *
 * <p>Not thread-safe; windows may be added in any order (the sums do not depend on it beyond rounding).
 */
public final class LossTally {
    private long tokens;
    private int windows;
    private double nllSum;
    // per-window sums, for the interval (two passes: the expanded one-pass variance loses digits)
    private double[] windowNll = new double[16];
    private int[] windowTargets = new int[16];

    /** One window: the natural-log probabilities of its scored targets. */
    public LossTally add(double[] targetLogProbs) {
        double nll = 0;
        for (double lp : targetLogProbs) {
            if (Double.isNaN(lp) || lp > 1e-9) {
                throw new IllegalArgumentException("a log-probability must be <= 0, got " + lp);
            }
            nll -= lp;
        }
        return addWindow(nll, targetLogProbs.length);
    }

    /** One window given as its summed negative log-likelihood over {@code targets} scored tokens. */
    public LossTally addWindow(double negativeLogLikelihood, int targets) {
        if (targets <= 0) {
            throw new IllegalArgumentException("a window scores at least one target, got " + targets);
        }
        if (windows == windowNll.length) {
            windowNll = Arrays.copyOf(windowNll, windowNll.length * 2);
            windowTargets = Arrays.copyOf(windowTargets, windowTargets.length * 2);
        }
        windowNll[windows] = negativeLogLikelihood;
        windowTargets[windows] = targets;
        tokens += targets;
        windows++;
        nllSum += negativeLogLikelihood;
        return this;
    }

    public long tokens() {
        return tokens;
    }

    public long windows() {
        return windows;
    }

    public PerplexityResult result() {
        if (tokens == 0) {
            throw new IllegalStateException("no tokens scored");
        }
        double loss = nllSum / tokens;
        double low = Double.NaN;
        double high = Double.NaN;
        if (windows >= 2) {
            double residuals = 0;
            for (int i = 0; i < windows; i++) {
                double r = windowNll[i] - loss * windowTargets[i];
                residuals += r * r;
            }
            double se = Math.sqrt((double) windows / (windows - 1) * residuals) / tokens;
            double half = Intervals.t975(windows - 1) * se;
            low = Math.exp(loss - half);
            high = Math.exp(loss + half);
        }
        return new PerplexityResult(tokens, windows, loss, Math.exp(loss), low, high);
    }
}
