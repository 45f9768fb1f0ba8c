package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.inference.kv.KvBlock;

/**
 * A stand-in, for tests only, for the two KvCache methods the prefix cache needs from core and core does not offer
 * yet (see the inference-service report): reading a slot's keys and values for a run of positions, and writing
 * them into a slot of another cache. It lives in core's package to reach KvCache's package-private arrays.
 */
public final class KvCacheBridge {
    private KvCacheBridge() {
    }

    /** Positions {@code [from, from + length)} of {@code slot}, which must already be filled. */
    public static KvBlock read(KvCache cache, int slot, int from, int length, long model) {
        if (from + length > cache.length(slot)) {
            throw new IllegalArgumentException("slot " + slot + " holds " + cache.length(slot) + " positions");
        }
        Shape shape = cache.keys(0).getShape();
        float[][] keys = new float[cache.layers()][];
        float[][] values = new float[cache.layers()][];
        NDIndex run = new NDIndex("{}, :, {}:{}", slot, from, from + length);
        for (int layer = 0; layer < cache.layers(); layer++) {
            try (NDArray k = cache.keys(layer).get(run); NDArray v = cache.values(layer).get(run)) {
                keys[layer] = k.toFloatArray();
                values[layer] = v.toFloatArray();
            }
        }
        return new KvBlock(model, cache.layers(), (int) shape.get(1), (int) shape.get(3), from, length, keys, values);
    }

    /** Appends a block to {@code slot}, whose length must be the block's first position. */
    public static void write(KvCache cache, int slot, KvBlock block) {
        if (cache.length(slot) != block.from()) {
            throw new IllegalArgumentException("slot " + slot + " holds " + cache.length(slot)
                    + " positions; the block starts at " + block.from());
        }
        NDIndex run = new NDIndex("{}, :, {}:{}", slot, block.from(), block.from() + block.length());
        Shape shape = new Shape(block.heads(), block.length(), block.headDim());
        try (NDManager scope = cache.keys(0).getManager().newSubManager()) {
            for (int layer = 0; layer < block.layers(); layer++) {
                cache.keys(layer).set(run, scope.create(block.keys()[layer], shape));
                cache.values(layer).set(run, scope.create(block.values()[layer], shape));
            }
        }
        cache.advance(slot, block.length());
    }
}
