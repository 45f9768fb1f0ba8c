package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.lang.foreign.MemorySegment;
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
    /**
     * The keys and values of one slot's positions {@code [from, from + length)}, off the device: per layer
     * {@code [heads, length, headDim]} float32, row-major. What a prompt-prefix cache keeps and hands to another
     * cache (of the same model) to continue from.
     */
    public record Run(int from, int length, int heads, int headDim, float[][] keys, float[][] values) {
        public Run {
            if (from < 0 || length < 1 || heads < 1 || headDim < 1) {
                throw new IllegalArgumentException("bad KV run: positions " + from + "+" + length + ", " + heads
                        + " heads of " + headDim);
            }
            if (keys.length != values.length || keys.length < 1) {
                throw new IllegalArgumentException("a KV run needs keys and values for the same layers, got "
                        + keys.length + " and " + values.length);
            }
            int floats = heads * length * headDim;
            for (int layer = 0; layer < keys.length; layer++) {
                if (keys[layer].length != floats || values[layer].length != floats) {
                    throw new IllegalArgumentException("layer " + layer + " holds " + keys[layer].length + "/"
                            + values[layer].length + " floats, [" + heads + ", " + length + ", " + headDim
                            + "] needs " + floats);
                }
            }
        }

        public int layers() {
            return keys.length;
        }

        /** One past the last position. */
        public int end() {
            return from + length;
        }
    }

    private final NDManager manager;
    private final List<NDArray> keys;
    private final List<NDArray> values;
    private final int capacity;
    private final int[] lengths;
    private final MemorySegment[] hostKeys;
    private final MemorySegment[] hostValues;

    private KvCache(NDManager manager, List<NDArray> keys, List<NDArray> values, int slots, int capacity) {
        this.manager = manager;
        this.keys = List.copyOf(keys);
        this.values = List.copyOf(values);
        this.capacity = capacity;
        this.lengths = new int[slots];
        this.hostKeys = new MemorySegment[keys.size()];
        this.hostValues = new MemorySegment[keys.size()];
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

    /** Positions {@code [from, from + length)} of {@code slot}, which it must already hold, copied off the device. */
    public Run read(int slot, int from, int length) {
        checkSlot(slot);
        if (from < 0 || length < 1 || from + length > lengths[slot]) {
            throw new IllegalArgumentException("positions " + from + "+" + length + " of slot " + slot + ", which holds "
                    + lengths[slot]);
        }
        Shape shape = keys.getFirst().getShape();
        float[][] runKeys = new float[keys.size()][];
        float[][] runValues = new float[keys.size()][];
        NDIndex run = new NDIndex("{}, :, {}:{}", slot, from, from + length);
        for (int layer = 0; layer < keys.size(); layer++) {
            try (NDArray k = keys.get(layer).get(run); NDArray v = values.get(layer).get(run)) {
                runKeys[layer] = k.toFloatArray();
                runValues[layer] = v.toFloatArray();
            }
        }
        return new Run(from, length, (int) shape.get(1), (int) shape.get(3), runKeys, runValues);
    }

    /**
     * Writes a run into {@code slot} right after what it holds and advances it: the slot then stands where it would
     * had the run's tokens been fed through the model.
     *
     * @throws IllegalArgumentException when the run does not start at the slot's length, does not fit, or has
     *                                  another shape than this cache; the slot is left untouched
     */
    public void append(int slot, Run run) {
        checkSlot(slot);
        Shape shape = keys.getFirst().getShape();
        if (run.layers() != keys.size() || run.heads() != shape.get(1) || run.headDim() != shape.get(3)) {
            throw new IllegalArgumentException("a run of " + run.layers() + " layers x " + run.heads() + " heads x "
                    + run.headDim() + " does not fit a cache of " + keys.size() + " x " + shape.get(1) + " x "
                    + shape.get(3));
        }
        if (run.from() != lengths[slot]) {
            throw new IllegalArgumentException("slot " + slot + " holds " + lengths[slot]
                    + " positions; the run starts at " + run.from());
        }
        if (run.end() > capacity) {
            throw new IllegalArgumentException("positions up to " + run.end() + " do not fit the capacity of "
                    + capacity);
        }
        NDIndex target = new NDIndex("{}, :, {}:{}", slot, run.from(), run.end());
        Shape runShape = new Shape(run.heads(), run.length(), run.headDim());
        try (NDManager scope = manager.newSubManager()) {
            for (int layer = 0; layer < keys.size(); layer++) {
                keys.get(layer).set(target, scope.create(run.keys()[layer], runShape));
                values.get(layer).set(target, scope.create(run.values()[layer], runShape));
            }
        }
        lengths[slot] = run.end();
    }

    NDArray keys(int layer) {
        return keys.get(layer);
    }

    NDArray values(int layer) {
        return values.get(layer);
    }

    /** The storage of {@link #keys(int)} itself, for {@link HostDecoder}; CPU caches only. */
    MemorySegment hostKeys(int layer) {
        checkOpen();
        if (hostKeys[layer] == null) {
            hostKeys[layer] = HostArrays.segment(keys.get(layer));
        }
        return hostKeys[layer];
    }

    MemorySegment hostValues(int layer) {
        checkOpen();
        if (hostValues[layer] == null) {
            hostValues[layer] = HostArrays.segment(values.get(layer));
        }
        return hostValues[layer];
    }

    /** Records that {@code tokens} more positions of {@code slot} were written. */
    void advance(int slot, int tokens) {
        lengths[slot] += tokens;
    }

    /** Segments outlive the arrays they point into: after close() they must not be handed out. */
    private void checkOpen() {
        if (!manager.isOpen()) {
            throw new IllegalStateException("the KV cache is closed");
        }
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
