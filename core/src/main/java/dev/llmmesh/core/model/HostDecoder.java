package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * GPT-2's cached forward for a few sequences at one new token each, computed in Java on the memory libtorch keeps the
 * weights and the KV cache in. A decode step of a small batch is bound by reading every weight once; libtorch
 * multiplies a one-row matrix at about half the memory's speed and spends several more milliseconds a step crossing
 * JNI for some 200 small ops, while these kernels read at close to the memory's speed with no crossing at all.
 * Prefills (many tokens: compute-bound GEMMs) and large batches stay with libtorch, and both paths share the cache.
 *
 * <p>Reads the parameters in place, so it sees in-place updates and must not outlive the model. The block
 * projections run through their {@link Projection#host() host forms}, so an adapter wrapped around one applies here
 * as on libtorch.
 */
final class HostDecoder {
    private record Layer(MemorySegment ln1Weight, MemorySegment ln1Bias, Projection.Host attn,
                         Projection.Host attnProj, MemorySegment ln2Weight, MemorySegment ln2Bias,
                         Projection.Host fc, Projection.Host mlpProj) {
        static Layer of(BlockWeights w) {
            return new Layer(host(w.ln1Weight()), host(w.ln1Bias()), w.attn().host(), w.attnProj().host(),
                    host(w.ln2Weight()), host(w.ln2Bias()), w.fc().host(), w.mlpProj().host());
        }
    }

    private final GptConfig config;
    private final MemorySegment tokenEmbedding;
    private final MemorySegment positionEmbedding;
    private final MemorySegment finalNormWeight;
    private final MemorySegment finalNormBias;
    private final List<Layer> layers;
    private final ParallelRanges ranges;

    HostDecoder(GptConfig config, NDArray tokenEmbedding, NDArray positionEmbedding, List<BlockWeights> blocks,
                NDArray finalNormWeight, NDArray finalNormBias, ParallelRanges ranges) {
        this.config = config;
        this.tokenEmbedding = host(tokenEmbedding);
        this.positionEmbedding = host(positionEmbedding);
        this.finalNormWeight = host(finalNormWeight);
        this.finalNormBias = host(finalNormBias);
        this.layers = blocks.stream().map(Layer::of).toList();
        this.ranges = ranges;
    }

    private static MemorySegment host(NDArray array) {
        return HostArrays.segment(array);
    }

    /**
     * Feeds {@code tokens[r]} to the sequence in cache slot {@code slots[r]}, at that slot's next position: its keys
     * and values are written into the cache and the slot advances by one.
     *
     * @return the next token's logits, {@code [rows, vocab]} row-major
     */
    float[] step(int[] tokens, int[] slots, KvCache cache) {
        int rows = tokens.length;
        int width = config.embedDim();
        int[] positions = new int[rows];
        float[] x = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            positions[r] = cache.length(slots[r]);
            embed(tokens[r], positions[r], x, r * width);
        }
        float[] normed = new float[rows * width];
        for (int layer = 0; layer < layers.size(); layer++) {
            block(layer, x, normed, slots, positions, cache);
        }
        float eps = (float) config.layerNormEps();
        for (int r = 0; r < rows; r++) {
            VectorKernels.layerNorm(x, r * width, width, finalNormWeight, finalNormBias, eps, normed);
        }
        int vocab = config.vocabSize();
        float[] logits = new float[rows * vocab];
        ranges.run(vocab, VectorKernels.LANES, (from, to) ->
                VectorKernels.matmulRows(tokenEmbedding, width, vocab, normed, logits, rows, from, to));
        for (int r = 0; r < rows; r++) {
            cache.advance(slots[r], 1);
        }
        return logits;
    }

    private void embed(int token, int position, float[] x, int offset) {
        int width = config.embedDim();
        long rowBytes = (long) width * Float.BYTES;
        MemorySegment.copy(tokenEmbedding, ValueLayout.JAVA_FLOAT, token * rowBytes, x, offset, width);
        for (int i = 0; i < width; i++) {
            x[offset + i] += positionEmbedding.getAtIndex(ValueLayout.JAVA_FLOAT, (long) position * width + i);
        }
    }

    /** x += attn(ln_1(x)); x += mlp(ln_2(x)), as {@link GptModel}'s block does it. */
    private void block(int index, float[] x, float[] normed, int[] slots, int[] positions, KvCache cache) {
        Layer w = layers.get(index);
        int rows = slots.length;
        int width = config.embedDim();
        int hidden = 4 * width;
        float eps = (float) config.layerNormEps();
        for (int r = 0; r < rows; r++) {
            VectorKernels.layerNorm(x, r * width, width, w.ln1Weight(), w.ln1Bias(), eps, normed);
        }
        float[] qkv = new float[rows * 3 * width];
        ranges.run(3 * width, VectorKernels.LANES, (from, to) -> w.attn().apply(normed, qkv, rows, from, to));
        float[] attended = attention(index, qkv, slots, positions, cache);
        float[] projected = new float[rows * width];
        ranges.run(width, VectorKernels.LANES, (from, to) -> {
            w.attnProj().apply(attended, projected, rows, from, to);
            VectorKernels.addColumns(x, projected, rows, width, from, to);
        });
        for (int r = 0; r < rows; r++) {
            VectorKernels.layerNorm(x, r * width, width, w.ln2Weight(), w.ln2Bias(), eps, normed);
        }
        float[] activations = new float[rows * hidden];
        ranges.run(hidden, VectorKernels.LANES, (from, to) -> {
            w.fc().apply(normed, activations, rows, from, to);
            VectorKernels.gelu(activations, rows, hidden, from, to);
        });
        ranges.run(width, VectorKernels.LANES, (from, to) -> {
            w.mlpProj().apply(activations, projected, rows, from, to);
            VectorKernels.addColumns(x, projected, rows, width, from, to);
        });
    }

    /**
     * Writes each row's new keys and values at its position in the cache ([slots, heads, capacity, dim] per layer),
     * then lets the row's query attend to its slot's positions up to and including the new one.
     */
    private float[] attention(int layer, float[] qkv, int[] slots, int[] positions, KvCache cache) {
        int rows = slots.length;
        int width = config.embedDim();
        int heads = config.heads();
        int dim = config.headDim();
        int capacity = cache.capacity();
        MemorySegment keys = cache.hostKeys(layer);
        MemorySegment values = cache.hostValues(layer);
        for (int r = 0; r < rows; r++) {
            for (int head = 0; head < heads; head++) {
                long at = position(slots[r], head, positions[r], capacity) * dim * Float.BYTES;
                int from = r * 3 * width + head * dim;
                MemorySegment.copy(qkv, from + width, keys, ValueLayout.JAVA_FLOAT, at, dim);
                MemorySegment.copy(qkv, from + 2 * width, values, ValueLayout.JAVA_FLOAT, at, dim);
            }
        }
        float scale = (float) (1.0 / Math.sqrt(dim));
        float[] attended = new float[rows * width];
        ranges.run(rows * heads, 1, (from, to) -> {
            float[] scores = new float[capacity];
            for (int task = from; task < to; task++) {
                int r = task / heads;
                int head = task % heads;
                long base = position(slots[r], head, 0, capacity) * dim * Float.BYTES;
                VectorKernels.attend(qkv, r * 3 * width + head * dim, keys, values, base, positions[r] + 1, dim,
                        scale, scores, attended, r * width + head * dim);
            }
        });
        return attended;
    }

    private long position(int slot, int head, int position, int capacity) {
        return ((long) slot * config.heads() + head) * capacity + position;
    }
}
