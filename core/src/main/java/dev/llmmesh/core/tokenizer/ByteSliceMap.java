package dev.llmmesh.core.tokenizer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A hash map from byte strings to values that is probed with a slice of a larger buffer, so looking up
 * a piece of text costs no allocation. Open addressing, linear probing; grows when half full.
 *
 * <p>Encoding looks up every piece here, and profiles showed that time going to memory loads rather than
 * to arithmetic. So a slot holds, next to the entry index, the key's hash, length and first eight bytes:
 * most pieces are at most eight bytes long, and for them one slot read settles the lookup without
 * touching the entry arrays or the byte pool. The hash, too, is computed eight bytes at a time.
 */
final class ByteSliceMap<V> {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int INLINE = Long.BYTES;
    /** Lengths from this up share one code in a slot; their real length is read from {@link #spans}. */
    private static final int LONG_KEY = 0xFF;
    private static final int MAX_ENTRIES = (1 << 24) - 1;

    // Slot s: word 2s = hash << 32 | min(length, 255) << 24 | (entry + 1), 0 = empty;
    // word 2s + 1 = the key's first eight bytes, little-endian, zero-padded.
    private long[] slots;
    private int[] spans = new int[32]; // entry e: pool offset at 2e, length at 2e + 1
    private Object[] values = new Object[16];
    private byte[] pool = new byte[256];
    private int poolSize;
    private int size;

    ByteSliceMap(int expected) {
        slots = new long[2 * (Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1)];
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(byte[] buf, int off, int len) {
        int e = find(buf, off, len);
        return e < 0 ? null : (V) values[e];
    }

    /** The entry index of the slice (entries count up from 0 in insertion order), or -1. */
    int find(byte[] buf, int off, int len) {
        long head = head(buf, off, len);
        int hash = hash(buf, off, len, head);
        long meta = meta(hash, len, 0);
        long[] slots = this.slots;
        int mask = (slots.length >>> 1) - 1;
        for (int s = hash & mask; ; s = (s + 1) & mask) {
            long slot = slots[2 * s];
            if (slot == 0) {
                return -1;
            }
            if ((slot & ~0xFFFFFFL) == meta && slots[2 * s + 1] == head) {
                int e = (int) (slot & 0xFFFFFF) - 1;
                if (len <= INLINE || sameTail(e, buf, off, len)) {
                    return e;
                }
            }
        }
    }

    /** Adds or replaces the value for {@code buf[off, off+len)}; returns the key's entry index. */
    int put(byte[] buf, int off, int len, V value) {
        int e = find(buf, off, len);
        if (e >= 0) {
            values[e] = value;
            return e;
        }
        if (size == MAX_ENTRIES) {
            throw new IllegalStateException("a ByteSliceMap holds at most " + MAX_ENTRIES + " keys");
        }
        if (size == values.length) {
            spans = Arrays.copyOf(spans, 4 * size);
            values = Arrays.copyOf(values, 2 * size);
        }
        if (poolSize + len > pool.length) {
            pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + len));
        }
        System.arraycopy(buf, off, pool, poolSize, len);
        e = size++;
        spans[2 * e] = poolSize;
        spans[2 * e + 1] = len;
        values[e] = value;
        poolSize += len;
        long head = head(buf, off, len);
        insert(slots, meta(hash(buf, off, len, head), len, e + 1), head);
        if (size * 2 > slots.length >>> 1) {
            rehash();
        }
        return e;
    }

    void clear() {
        Arrays.fill(slots, 0);
        Arrays.fill(values, 0, size, null);
        size = 0;
        poolSize = 0;
    }

    private void rehash() {
        long[] old = slots;
        slots = new long[old.length * 2];
        for (int s = 0; s < old.length; s += 2) {
            if (old[s] != 0) {
                insert(slots, old[s], old[s + 1]);
            }
        }
    }

    private static void insert(long[] slots, long meta, long head) {
        int mask = (slots.length >>> 1) - 1;
        int s = (int) (meta >>> 32) & mask;
        while (slots[2 * s] != 0) {
            s = (s + 1) & mask;
        }
        slots[2 * s] = meta;
        slots[2 * s + 1] = head;
    }

    private static long meta(int hash, int len, int entryPlusOne) {
        return (long) hash << 32 | (long) Math.min(len, LONG_KEY) << 24 | entryPlusOne;
    }

    /** Bytes 8.. of a key whose first eight bytes and hash already matched entry {@code e}. */
    private boolean sameTail(int e, byte[] buf, int off, int len) {
        if (spans[2 * e + 1] != len) {
            return false;
        }
        int at = spans[2 * e];
        for (int i = INLINE; i < len; i++) {
            if (pool[at + i] != buf[off + i]) {
                return false;
            }
        }
        return true;
    }

    /** The first {@code min(len, 8)} bytes as a little-endian long, zero-padded. */
    private static long head(byte[] buf, int off, int len) {
        if (len >= INLINE) {
            return (long) LONG_LE.get(buf, off);
        }
        if (len == 0) {
            return 0;
        }
        if (off + INLINE <= buf.length) {
            // Reading past the key is safe inside the array and cheaper than assembling bytes one by one.
            return (long) LONG_LE.get(buf, off) & (-1L >>> (64 - 8 * len));
        }
        long head = 0;
        for (int i = len - 1; i >= 0; i--) {
            head = head << 8 | (buf[off + i] & 0xFF);
        }
        return head;
    }

    private static int hash(byte[] buf, int off, int len, long head) {
        long h = (head ^ len) * 0x9E3779B97F4A7C15L;
        int i = INLINE;
        for (; i + INLINE <= len; i += INLINE) {
            h = (h ^ (long) LONG_LE.get(buf, off + i)) * 0x9E3779B97F4A7C15L;
        }
        for (; i < len; i++) {
            h = (h ^ (buf[off + i] & 0xFF)) * 0x9E3779B97F4A7C15L;
        }
        return (int) (h ^ (h >>> 32) ^ (h >>> 17));
    }
}
