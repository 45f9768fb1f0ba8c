package dev.llmmesh.bench;

import java.util.Arrays;

/**
 * Percentiles of one series of timings, in milliseconds. Nearest rank: p99 of 50 samples is the slowest one, so
 * with few samples p99 reads as "the worst seen", not an interpolation between samples.
 */
record Latencies(int count, double p50, double p99, double min, double max) {
    static Latencies ofNanos(double[] nanos) {
        double[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Latencies(sorted.length, rank(sorted, 0.50) / 1e6, rank(sorted, 0.99) / 1e6, sorted[0] / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    private static double rank(double[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
