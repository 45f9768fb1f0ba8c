package dev.llmmesh.core.generate;

import java.util.Arrays;

/** Sorting and normalising one row of logits on the host, without boxing. */
final class Ranking {
    private Ranking() {
    }

    /**
     * The ids of the {@code count} highest values, highest first; equal values in id order. Packs (value, id) into
     * one long per entry so a primitive sort does the work: the value's bits are flipped into an order-preserving
     * unsigned form and complemented, so ascending longs mean descending values, then ascending ids.
     */
    static int[] descending(float[] values, int count) {
        if (count <= 0) {
            return new int[0];
        }
        int n = values.length;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ((long) ~orderable(values[i]) << 32) | i;
        }
        if (count < n / 8) {
            // Only the head is wanted: a bounded selection is cheaper than sorting 50k keys.
            long[] head = smallest(keys, count);
            return toIds(head, count);
        }
        Arrays.sort(keys);
        return toIds(keys, count);
    }

    /** float bits -> an unsigned int that orders like the float (-inf lowest, NaN treated as highest). */
    private static int orderable(float value) {
        // + 0f turns -0 into +0, so the two zeros tie (and fall back to id order) as they compare equal.
        int bits = Float.floatToIntBits(value + 0f);
        // Positive floats: set the sign bit; negative: flip every bit. Then unsigned order = float order; shifting
        // to signed order subtracts 2^31.
        int unsigned = bits >= 0 ? bits ^ 0x80000000 : ~bits;
        return unsigned ^ 0x80000000;
    }

    private static long[] smallest(long[] keys, int count) {
        // A max-heap of the count smallest keys seen so far.
        long[] heap = Arrays.copyOf(keys, count);
        Arrays.sort(heap);
        long worst = heap[count - 1];
        long[] buffer = new long[Math.max(2 * count, 64)];
        System.arraycopy(heap, 0, buffer, 0, count);
        int size = count;
        for (int i = count; i < keys.length; i++) {
            long k = keys[i];
            if (k < worst) {
                buffer[size++] = k;
                if (size == buffer.length) {
                    Arrays.sort(buffer, 0, size);
                    size = count;
                    worst = buffer[count - 1];
                }
            }
        }
        Arrays.sort(buffer, 0, size);
        return Arrays.copyOf(buffer, count);
    }

    private static int[] toIds(long[] keys, int count) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = (int) keys[i];
        }
        return ids;
    }

    /** Softmax in double; -Infinity entries get 0. */
    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** log(sum(exp(logits))), stable. */
    static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return max + Math.log(sum);
    }
}
