package dev.llmmesh.core.train;

/**
 * A PRNG whose entire state is one {@code long}, so a checkpoint can hold it exactly (java.util.Random
 * hides its state; SplittableRandom cannot be rebuilt from a saved position). Steele, Lea &amp; Flood's
 * SplitMix64, the generator behind SplittableRandom.
 */
final class SplitMix64 {
    private long state;

    SplitMix64(long state) {
        this.state = state;
    }

    long state() {
        return state;
    }

    void setState(long state) {
        this.state = state;
    }

    long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound): 63 random bits, redrawn in the top partial block to avoid modulo bias. */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long u = nextLong() >>> 1;
        long r = u % bound;
        while (u - r + (bound - 1) < 0) { // overflow: u fell in the last, incomplete block of size bound
            u = nextLong() >>> 1;
            r = u % bound;
        }
        return (int) r;
    }

    /** A fresh Fisher-Yates permutation of 0..n-1. */
    int[] permutation(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
