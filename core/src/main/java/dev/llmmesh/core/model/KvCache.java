package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Attention keys and values of the tokens already seen, preallocated: per layer one key and one value array of
 * {@code [slots, heads, capacity, headDim]}. A slot holds one sequence; {@link GptModel} writes each new token's
 * keys and values in place at that slot's next position, so a decode step costs one small write per layer instead
 * of re-concatenating the whole past, and attention reads the filled prefix through a view.
 *
 * <p>Slots are independent: each has its own length, so sequences of different lengths share one cache (and one
 * batched forward), and a slot can be cleared and reused by the next sequence while the others go on. Positions at
 * or beyond a slot's length hold stale (but finite, zero-initialised) numbers that the attention mask hides.
 *
 * <p>The arrays live in a manager of their own below the one given to {@link #allocate}; {@link #close()} frees
 * them. Not thread-safe: one decoder drives a cache.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final List<NDArray> keys;
    private final List<NDArray> values;
    private final int capacity;
    private final int[] lengths;

    private KvCache(NDManager manager, List<NDArray> keys, List<NDArray> values, int slots, int capacity) {
        this.manager = manager;
        this.keys = List.copyOf(keys);
        this.values = List.copyOf(values);
        this.capacity = capacity;
        this.lengths = new int[slots];
    }

    /**
     * A zeroed cache for {@code slots} sequences of up to {@code capacity} tokens each, on {@code parent}'s device.
     *
     * @param capacity at most the model's context length: learned positions end there
     */
    public static KvCache allocate(GptConfig config, NDManager parent, int slots, int capacity) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be positive, got " + slots);
        }
        if (capacity < 1 || capacity > config.contextLength()) {
            throw new IllegalArgumentException("capacity must be in [1, " + config.contextLength()
                    + "] (the context length), got " + capacity);
        }
        NDManager manager = parent.newSubManager();
        try {
            Shape shape = new Shape(slots, config.heads(), capacity, config.headDim());
            List<NDArray> keys = new ArrayList<>(config.layers());
            List<NDArray> values = new ArrayList<>(config.layers());
            for (int i = 0; i < config.layers(); i++) {
                keys.add(manager.zeros(shape));
                values.add(manager.zeros(shape));
            }
            return new KvCache(manager, keys, values, slots, capacity);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public int layers() {
        return keys.size();
    }

    public int slots() {
        return lengths.length;
    }

    /** Tokens each slot can hold. */
    public int capacity() {
        return capacity;
    }

    /** Tokens already seen in {@code slot}: the position its next token takes. */
    public int length(int slot) {
        return lengths[checkSlot(slot)];
    }

    /** Forgets {@code slot}'s tokens so a new sequence can use it; the stale numbers stay, masked. */
    public void clear(int slot) {
        lengths[checkSlot(slot)] = 0;
    }

    /**
     * Makes each slot {@code i < sources.length} hold what slot {@code sources[i]} held (keys, values and length):
     * how beam search follows its surviving beams. One gather and one in-place copy per array.
     */
    public void reorder(int[] sources) {
        for (int source : sources) {
            checkSlot(source);
        }
        if (sources.length > lengths.length) {
            throw new IllegalArgumentException(sources.length + " sources for " + lengths.length + " slots");
        }
        int span = 0;
        for (int source : sources) {
            span = Math.max(span, lengths[source]);
        }
        if (span > 0) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray index = scope.create(Arrays.stream(sources).asLongStream().toArray());
                NDIndex from = new NDIndex("{}, :, :{}", index, span);
                NDIndex to = new NDIndex(":{}, :, :{}", sources.length, span);
                for (int i = 0; i < keys.size(); i++) {
                    for (NDArray array : List.of(keys.get(i), values.get(i))) {
                        NDArray gathered = array.get(from);
                        gathered.attach(scope);
                        array.set(to, gathered);
                    }
                }
            }
        }
        int[] newLengths = new int[sources.length];
        for (int i = 0; i < sources.length; i++) {
            newLengths[i] = lengths[sources[i]];
        }
        System.arraycopy(newLengths, 0, lengths, 0, sources.length);
    }

    /** Copies slot {@code from} into slot {@code to}: a prompt prefilled once, shared by several samples. */
    public void copySlot(int from, int to) {
        checkSlot(from);
        checkSlot(to);
        int length = lengths[from];
        if (from != to && length > 0) {
            NDIndex source = new NDIndex("{}:{}, :, :{}", from, from + 1, length);
            NDIndex target = new NDIndex("{}:{}, :, :{}", to, to + 1, length);
            try (NDManager scope = manager.newSubManager()) {
                for (int i = 0; i < keys.size(); i++) {
                    for (NDArray array : List.of(keys.get(i), values.get(i))) {
                        NDArray slice = array.get(source);
                        slice.attach(scope);
                        array.set(target, slice);
                    }
                }
            }
        }
        lengths[to] = length;
    }

    /** Bytes the cache holds on its device. */
    public long bytes() {
        long total = 0;
        for (int i = 0; i < keys.size(); i++) {
            total += keys.get(i).size() * 4 + values.get(i).size() * 4;
        }
        return total;
    }

    NDArray keys(int layer) {
        return keys.get(layer);
    }

    NDArray values(int layer) {
        return values.get(layer);
    }

    /** Records that {@code tokens} more positions of {@code slot} were written. */
    void advance(int slot, int tokens) {
        lengths[slot] += tokens;
    }

    private int checkSlot(int slot) {
        if (slot < 0 || slot >= lengths.length) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + lengths.length);
        }
        return slot;
    }

    @Override
    public void close() {
        manager.close();
    }
}
