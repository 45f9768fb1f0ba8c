package dev.llmmesh.core.tokenizer;

import java.util.Arrays;

/**
 * A hash map from byte strings to values that is probed with a slice of a larger buffer, so looking up
 * a piece of text costs no allocation. Open addressing, linear probing; grows when half full.
 */
final class ByteSliceMap<V> {
    private int[] slots;          // entry index + 1, 0 = empty
    private int[] hashes = new int[16];
    private int[] offsets = new int[16];
    private int[] lengths = new int[16];
    private Object[] values = new Object[16];
    private byte[] pool = new byte[256];
    private int poolSize;
    private int size;

    ByteSliceMap(int expected) {
        slots = new int[Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1];
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(byte[] buf, int off, int len) {
        int h = hash(buf, off, len);
        int mask = slots.length - 1;
        for (int s = h & mask; ; s = (s + 1) & mask) {
            int e = slots[s] - 1;
            if (e < 0) {
                return null;
            }
            if (hashes[e] == h && lengths[e] == len
                    && Arrays.equals(pool, offsets[e], offsets[e] + len, buf, off, off + len)) {
                return (V) values[e];
            }
        }
    }

    /** Adds or replaces the value for {@code buf[off, off+len)}. */
    void put(byte[] buf, int off, int len, V value) {
        int h = hash(buf, off, len);
        int mask = slots.length - 1;
        int s = h & mask;
        for (; slots[s] != 0; s = (s + 1) & mask) {
            int e = slots[s] - 1;
            if (hashes[e] == h && lengths[e] == len
                    && Arrays.equals(pool, offsets[e], offsets[e] + len, buf, off, off + len)) {
                values[e] = value;
                return;
            }
        }
        if (size == hashes.length) {
            int cap = size * 2;
            hashes = Arrays.copyOf(hashes, cap);
            offsets = Arrays.copyOf(offsets, cap);
            lengths = Arrays.copyOf(lengths, cap);
            values = Arrays.copyOf(values, cap);
        }
        if (poolSize + len > pool.length) {
            pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + len));
        }
        System.arraycopy(buf, off, pool, poolSize, len);
        hashes[size] = h;
        offsets[size] = poolSize;
        lengths[size] = len;
        values[size] = value;
        poolSize += len;
        slots[s] = ++size;
        if (size * 2 > slots.length) {
            rehash();
        }
    }

    void clear() {
        Arrays.fill(slots, 0);
        Arrays.fill(values, 0, size, null);
        size = 0;
        poolSize = 0;
    }

    private void rehash() {
        slots = new int[slots.length * 2];
        int mask = slots.length - 1;
        for (int e = 0; e < size; e++) {
            int s = hashes[e] & mask;
            while (slots[s] != 0) {
                s = (s + 1) & mask;
            }
            slots[s] = e + 1;
        }
    }

    private static int hash(byte[] buf, int off, int len) {
        int h = len;
        for (int i = off, end = off + len; i < end; i++) {
            h = 31 * h + buf[i];
        }
        return h ^ (h >>> 16);
    }
}
