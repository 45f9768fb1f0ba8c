package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * Attention keys and values of the tokens already seen, one pair per layer, each {@code [batch, heads, past, headDim]}.
 * The arrays belong to whichever manager they are attached to; {@link #close()} frees them.
 *
 * @param keys   per layer, empty when nothing has been seen
 * @param values per layer, same shapes as {@code keys}
 */
public record KvCache(List<NDArray> keys, List<NDArray> values) implements AutoCloseable {
    private static final KvCache EMPTY = new KvCache(List.of(), List.of());

    public KvCache {
        keys = List.copyOf(keys);
        values = List.copyOf(values);
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException("keys for " + keys.size() + " layers but values for " + values.size());
        }
    }

    public static KvCache empty() {
        return EMPTY;
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    public int layers() {
        return keys.size();
    }

    /** Tokens already seen: the position the next token takes. */
    public long length() {
        return keys.isEmpty() ? 0 : keys.getFirst().getShape().get(2);
    }

    /** Moves every array to {@code manager}, e.g. out of a per-step scope that is about to close. */
    public void attach(NDManager manager) {
        keys.forEach(k -> k.attach(manager));
        values.forEach(v -> v.attach(manager));
    }

    @Override
    public void close() {
        keys.forEach(NDArray::close);
        values.forEach(NDArray::close);
    }
}
