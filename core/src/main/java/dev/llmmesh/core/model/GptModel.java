package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * GPT-2 as plain NDArray operations on the PyTorch engine: token + position embeddings, pre-LayerNorm blocks of
 * causal self-attention and a GELU MLP, a final LayerNorm and an LM head tied to the token embedding.
 *
 * <p>Parameters live in the model's own manager under their HuggingFace names and layouts (see {@link GptLayout}),
 * so a GPT-2 checkpoint maps onto them one to one. Everything a forward pass allocates lives in a scope below the
 * caller's manager (the manager of {@code tokenIds}) and is freed before the call returns; only the logits (and the
 * cache) come back, attached to the caller's manager. Forward passes may run concurrently.
 */
public final class GptModel implements LanguageModel {
    /**
     * Added to the attention scores of future positions. Finite, so even a row with every key masked softmaxes to
     * something (uniform) instead of NaN; and still finite in fp16 should the scores ever be half precision.
     */
    static final float MASKED_SCORE = -1e4f;

    private static final double INIT_STD = 0.02;

    /**
     * Cached steps of at most this many one-token rows run on {@link HostDecoder}. Up to here a step is bound by
     * reading the weights, which the Java kernels do about twice as fast as libtorch; with more rows the arithmetic
     * takes over, and libtorch's GEMM does that better. Measured with the {@code decode} benchmark (BENCHMARKS.md).
     */
    static final int HOST_DECODE_MAX_ROWS = 8;

    /** {@code -Dllm.decode.host=false} keeps every step on libtorch (to compare, or should the kernels misbehave). */
    private static final boolean HOST_DECODE_ENABLED = !"false".equals(System.getProperty("llm.decode.host"));
    private static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** Replaced only by {@link #setDropout}: the rest of the shape is the weights'. */
    private volatile GptConfig config;
    private final NDManager manager;
    private final SequencedMap<String, NDArray> parameters;
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    /** Replaced as a whole when projections are wrapped; a forward pass reads it once. */
    private volatile List<BlockWeights> blocks;
    private final NDArray finalNormWeight;
    private final NDArray finalNormBias;
    private final NDArray causalBias;
    private final Shape normShape;
    private final float attentionScale;
    private final boolean hostDecoding;
    private volatile HostDecoder hostDecoder;

    /**
     * Where a cached forward reads and writes, built once per forward and shared by every layer.
     *
     * @param writeIndex (slot, :, position) of every fed token [B, T]: where its keys and values go
     * @param readIndex  the rows' slots, their first {@code span} positions
     * @param mask       additive attention mask, or null when every key read may be seen
     */
    private record CachedAttention(KvCache cache, NDIndex writeIndex, NDIndex readIndex, NDArray mask) {
    }

    /**
     * Takes ownership of {@code manager}, which must hold {@code parameters}: every name of {@link GptLayout#shapes}
     * with exactly that shape, float32.
     */
    GptModel(GptConfig config, NDManager manager, Map<String, NDArray> parameters) {
        this.config = config;
        this.manager = manager;
        SequencedMap<String, NDArray> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> expected : GptLayout.shapes(config).entrySet()) {
            String name = expected.getKey();
            NDArray array = parameters.get(name);
            if (array == null) {
                throw new IllegalArgumentException("missing parameter " + name + " " + expected.getValue());
            }
            if (!array.getShape().equals(expected.getValue())) {
                throw new IllegalArgumentException("parameter " + name + " has shape " + array.getShape()
                        + " but the config needs " + expected.getValue());
            }
            if (array.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("parameter " + name + " is " + array.getDataType() + ", not float32");
            }
            array.setName(name);
            ordered.put(name, array);
        }
        if (parameters.size() != ordered.size()) {
            List<String> extra = parameters.keySet().stream().filter(n -> !ordered.containsKey(n)).toList();
            throw new IllegalArgumentException("unexpected parameters " + extra);
        }
        this.parameters = Collections.unmodifiableSequencedMap(ordered);
        this.tokenEmbedding = ordered.get(GptLayout.TOKEN_EMBEDDING);
        this.positionEmbedding = ordered.get(GptLayout.POSITION_EMBEDDING);
        this.finalNormWeight = ordered.get(GptLayout.FINAL_NORM_WEIGHT);
        this.finalNormBias = ordered.get(GptLayout.FINAL_NORM_BIAS);
        List<BlockWeights> layers = new ArrayList<>(config.layers());
        for (int i = 0; i < config.layers(); i++) {
            layers.add(BlockWeights.of(ordered, i));
        }
        this.blocks = List.copyOf(layers);
        this.causalBias = causalBias(manager, config.contextLength());
        this.normShape = new Shape(config.embedDim());
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
        this.hostDecoding = HOST_DECODE_ENABLED && VECTOR_API && manager.getDevice().equals(Device.cpu());
    }

    /**
     * A freshly initialised model, as GPT-2 does it: weights and both embeddings normal(0, 0.02), the two
     * projections that write into the residual stream normal(0, 0.02/sqrt(2 * layers)) so the stream's variance does
     * not grow with depth, biases 0, LayerNorms weight 1 / bias 0. The random numbers come from a Java generator
     * seeded with {@code seed}, so the same seed gives the same weights on every device and engine version.
     */
    public static GptModel initialize(GptConfig config, Device device, long seed) {
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            SplittableRandom random = new SplittableRandom(seed);
            double residualStd = INIT_STD / Math.sqrt(2.0 * config.layers());
            SequencedMap<String, NDArray> parameters = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> entry : GptLayout.shapes(config).entrySet()) {
                String name = entry.getKey();
                Shape shape = entry.getValue();
                NDArray array;
                if (name.contains(".ln_")) {
                    array = name.endsWith(".weight") ? manager.ones(shape) : manager.zeros(shape);
                } else if (name.endsWith(".bias")) {
                    array = manager.zeros(shape);
                } else {
                    double std = name.endsWith("c_proj.weight") ? residualStd : INIT_STD;
                    array = normal(manager, shape, std, random.split());
                }
                parameters.put(name, array);
            }
            return new GptModel(config, manager, parameters);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static NDArray normal(NDManager manager, Shape shape, double std, SplittableRandom random) {
        return HostArrays.fill(manager, shape, DataType.FLOAT32, bytes -> {
            FloatBuffer floats = bytes.asFloatBuffer();
            for (int i = 0, n = floats.capacity(); i < n; i++) {
                floats.put(i, (float) (std * random.nextGaussian()));
            }
        });
    }

    /** [T, T]: 0 where a query may see the key (key <= query), {@link #MASKED_SCORE} above the diagonal. */
    private static NDArray causalBias(NDManager manager, int context) {
        return HostArrays.fill(manager, new Shape(context, context), DataType.FLOAT32, bytes -> {
            FloatBuffer floats = bytes.asFloatBuffer();
            for (int q = 0; q < context; q++) {
                for (int k = 0; k < context; k++) {
                    floats.put(q * context + k, k <= q ? 0f : MASKED_SCORE);
                }
            }
        });
    }

    @Override
    public GptConfig config() {
        return config;
    }

    /**
     * Trains on with another dropout rate, as HuggingFace's {@code from_pretrained(..., resid_pdrop=p)} does for a
     * fine-tune: the config says it from then on, so a checkpoint records the rate its weights were trained with.
     * Forwards without training are unaffected.
     */
    public void setDropout(double dropout) {
        config = config.withDropout(dropout);
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public SequencedMap<String, NDArray> parameters() {
        return parameters;
    }

    /** Elements in all parameters (the LM head is tied, so counted once); equals {@link GptConfig#parameterCount()}. */
    public long parameterCount() {
        return parameters.values().stream().mapToLong(NDArray::size).sum();
    }

    /**
     * Replaces every block projection ({@code attn.c_attn}, {@code attn.c_proj}, {@code mlp.c_fc}, {@code mlp.c_proj}
     * of each layer) by {@code wrap.apply(name, current)}, where {@code name} is its module path
     * ({@code transformer.h.0.attn.c_attn}) and {@code current} what the model runs now (a {@link DenseProjection}
     * until something was wrapped): how an adapter such as LoRA joins both forward paths. Returning {@code current}
     * leaves a projection as it is; a replacement must keep its widths. The replacement's own parameters are its
     * owner's to train and save: {@link #parameters()} stays GPT-2's. Not to be called while forward passes run.
     */
    public synchronized void wrapProjections(BiFunction<String, Projection, Projection> wrap) {
        List<BlockWeights> wrapped = new ArrayList<>(config.layers());
        List<BlockWeights> current = blocks;
        for (int layer = 0; layer < current.size(); layer++) {
            wrapped.add(current.get(layer).wrapped(layer, wrap));
        }
        blocks = List.copyOf(wrapped);
        // the Java kernels hold the old projections' host forms
        hostDecoder = null;
    }

    /**
     * How cached decode steps run, for logs and benchmarks; when they are not on the Java kernels, why, and what to
     * do about it.
     */
    public String decodePath() {
        if (hostDecoding) {
            return "java-vector (" + ParallelRanges.shared().threads() + " threads) up to " + HOST_DECODE_MAX_ROWS
                    + " rows, libtorch beyond";
        }
        if (!manager.getDevice().equals(Device.cpu())) {
            return "libtorch on " + manager.getDevice();
        }
        if (!VECTOR_API) {
            return "libtorch: start the JVM with --add-modules jdk.incubator.vector for the faster Java kernels";
        }
        return "libtorch (-Dllm.decode.host=false)";
    }

    @Override
    public NDArray forward(NDArray tokenIds, boolean training) {
        NDManager caller = tokenIds.getManager();
        try (NDManager scope = caller.newSubManager(manager.getDevice())) {
            NDArray logits = lmHead(run(tokenIds, training, scope));
            logits.attach(caller);
            return logits;
        }
    }

    /**
     * The transformer without its LM head: the final LayerNorm's output [B, T, C] for {@code tokenIds} [B, T]. What a
     * task head (a classifier's, reading the last real token) reads instead of the vocabulary logits; the
     * {@link #forward(NDArray, boolean) forward} pass is this followed by {@link #lmHead}. Attached to the manager of
     * {@code tokenIds}; differentiable when gradients are recorded.
     */
    public NDArray hidden(NDArray tokenIds, boolean training) {
        NDManager caller = tokenIds.getManager();
        try (NDManager scope = caller.newSubManager(manager.getDevice())) {
            NDArray hidden = run(tokenIds, training, scope);
            hidden.attach(caller);
            return hidden;
        }
    }

    /** The LM head tied to the token embedding: {@code hidden} [.., C] to vocabulary logits [.., V]. */
    public NDArray lmHead(NDArray hidden) {
        // Tied head: x @ wte^T, which is exactly what linear() computes with wte as its [out, in] weight.
        return Linear.linear(hidden, tokenEmbedding).singletonOrThrow();
    }

    /** A zeroed cache for {@code slots} sequences of up to {@code capacity} tokens, on the model's device. */
    public KvCache newCache(int slots, int capacity) {
        return KvCache.allocate(config, manager, slots, capacity);
    }

    /** {@link #forward(NDArray, KvCache, int[], boolean)} with row b in slot b, logits for every position. */
    public NDArray forward(NDArray tokenIds, KvCache cache) {
        int[] slots = new int[(int) tokenIds.getShape().get(0)];
        Arrays.setAll(slots, i -> i);
        return forward(tokenIds, cache, slots, false);
    }

    /**
     * Inference with a KV cache. Row b of {@code tokenIds} [B, T] continues the sequence held in cache slot
     * {@code slots[b]}, at positions {@code cache.length(slots[b])} onwards, so rows may stand at different
     * positions (a batch of sequences of different lengths, one token each, is one call). The tokens' keys and
     * values are written into the cache in place and the slots' lengths advance by T.
     *
     * <p>On the CPU, steps of one token for up to {@link #HOST_DECODE_MAX_ROWS} rows run on Java kernels
     * ({@link HostDecoder}) when the JVM has the Vector API; see {@link #decodePath()}.
     *
     * @param lastOnly only the last position's logits: a prefill that needs just the next token skips the LM head,
     *                 a [T, vocab] product, on the others
     * @return logits [B, T, V] (or [B, 1, V]), attached to the manager of {@code tokenIds}; no dropout, no autograd
     */
    public NDArray forward(NDArray tokenIds, KvCache cache, int[] slots, boolean lastOnly) {
        Shape shape = tokenIds.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("tokenIds must be [batch, time], got " + shape);
        }
        int batch = (int) shape.get(0);
        int time = (int) shape.get(1);
        int[] starts = starts(batch, time, cache, slots);
        int span = Arrays.stream(starts).max().orElse(0) + time;
        NDManager caller = tokenIds.getManager();
        if (time == 1 && batch <= HOST_DECODE_MAX_ROWS && hostDecoding) {
            return caller.create(hostStep(tokens(tokenIds), cache, slots), new Shape(batch, 1, config.vocabSize()));
        }
        try (NoGrad ignored = NoGrad.enter(manager);
             NDManager scope = caller.newSubManager(manager.getDevice())) {
            NDArray ids = tokenIds.getDevice().equals(manager.getDevice()) ? tokenIds
                    : own(tokenIds.toDevice(manager.getDevice(), false), scope);
            long[] positions = new long[batch * time];
            long[] rows = new long[batch * time];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < time; t++) {
                    positions[b * time + t] = starts[b] + t;
                    rows[b * time + t] = slots[b];
                }
            }
            NDArray positionIds = scope.create(positions, new Shape(batch, time));
            NDArray slotIds = scope.create(rows, new Shape(batch, time));
            CachedAttention cached = new CachedAttention(cache, new NDIndex("{}, :, {}", slotIds, positionIds),
                    readIndex(slots, span, scope), cachedMask(starts, time, span, scope));
            NDArray tokens = own(embedding(ids, tokenEmbedding), scope);
            NDArray x = tokens.add(embedding(positionIds, positionEmbedding));
            List<BlockWeights> layers = blocks;
            for (int layer = 0; layer < layers.size(); layer++) {
                x = block(x, layer, layers.get(layer), cached.mask(), false, cached, scope);
            }
            if (lastOnly && time > 1) {
                x = x.get(new NDIndex(":, -1:, :"));
            }
            NDArray logits = lmHead(finalNorm(x));
            for (int b = 0; b < batch; b++) {
                cache.advance(slots[b], time);
            }
            logits.attach(caller);
            return logits;
        }
    }

    /**
     * A decode step: {@code tokens[b]} continues the sequence in cache slot {@code slots[b]}. What
     * {@link #forward(NDArray, KvCache, int[], boolean)} does for [rows, 1] ids, without wrapping the Java kernels'
     * input and output in arrays when they run the step.
     *
     * @return the next token's logits, [rows, vocab] row-major
     */
    public float[] nextTokenLogits(int[] tokens, KvCache cache, int[] slots) {
        if (tokens.length <= HOST_DECODE_MAX_ROWS && hostDecoding) {
            starts(tokens.length, 1, cache, slots);
            return hostStep(tokens, cache, slots);
        }
        try (NDManager scope = manager.newSubManager()) {
            return forward(scope.create(tokens, new Shape(tokens.length, 1)), cache, slots, false).toFloatArray();
        }
    }

    /**
     * Where each row's tokens go in the cache: the slots' lengths, checked to be distinct slots of this model's
     * cache with room for {@code time} more positions.
     */
    private int[] starts(int batch, int time, KvCache cache, int[] slots) {
        if (slots.length != batch) {
            throw new IllegalArgumentException(slots.length + " slots for a batch of " + batch);
        }
        if (cache.layers() != config.layers()) {
            throw new IllegalArgumentException("cache has " + cache.layers() + " layers, model " + config.layers());
        }
        int[] starts = new int[batch];
        for (int b = 0; b < batch; b++) {
            for (int other = 0; other < b; other++) {
                if (slots[other] == slots[b]) {
                    throw new IllegalArgumentException("slot " + slots[b] + " appears twice in one batch");
                }
            }
            starts[b] = cache.length(slots[b]);
            if (time < 1 || starts[b] + time > cache.capacity()) {
                throw new IllegalArgumentException("positions " + starts[b] + ".." + (starts[b] + time - 1)
                        + " of slot " + slots[b] + " do not fit the cache's " + cache.capacity()
                        + " positions (context " + config.contextLength() + ")");
            }
        }
        return starts;
    }

    /** A one-token step on the Java kernels, the rows' slots already checked. */
    private float[] hostStep(int[] tokens, KvCache cache, int[] slots) {
        // The kernels read the weights' memory directly: after close() it is gone, not merely unusable.
        if (!manager.isOpen()) {
            throw new IllegalStateException("the model is closed");
        }
        for (int token : tokens) {
            checkToken(token);
        }
        return hostDecoder().step(tokens, slots, cache);
    }

    /** What libtorch's embedding would refuse. */
    private void checkToken(long id) {
        if (id < 0 || id >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                    + config.vocabSize());
        }
    }

    private HostDecoder hostDecoder() {
        HostDecoder decoder = hostDecoder;
        if (decoder == null) {
            synchronized (this) {
                if (hostDecoder == null) {
                    hostDecoder = new HostDecoder(config, tokenEmbedding, positionEmbedding, blocks, finalNormWeight,
                            finalNormBias, ParallelRanges.shared());
                }
                decoder = hostDecoder;
            }
        }
        return decoder;
    }

    /** The ids of a [B, 1] array, checked while still 64-bit so that none wraps into the vocabulary. */
    private int[] tokens(NDArray tokenIds) {
        long[] ids;
        // Reading a view (a slice of a longer batch) or another type makes arrays: they follow tokenIds into scope.
        try (NDManager scope = tokenIds.getManager().newSubManager()) {
            tokenIds.tempAttach(scope);
            ids = tokenIds.toType(DataType.INT64, false).toLongArray();
        }
        int[] tokens = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            checkToken(ids[i]);
            tokens[i] = (int) ids[i];
        }
        return tokens;
    }

    /**
     * The slots' first {@code span} positions. A run of consecutive slots (what a decoder that hands out the lowest
     * free slot mostly has) is a view; any other set is gathered, which copies.
     */
    private static NDIndex readIndex(int[] slots, int span, NDManager scope) {
        boolean consecutive = true;
        for (int b = 1; b < slots.length; b++) {
            consecutive &= slots[b] == slots[0] + b;
        }
        if (consecutive) {
            return new NDIndex("{}:{}, :, :{}", slots[0], slots[0] + slots.length, span);
        }
        return new NDIndex("{}, :, :{}", scope.create(Arrays.stream(slots).asLongStream().toArray()), span);
    }

    /**
     * Which cached keys each fed token may see: key j is visible to token t of row b iff j <= starts[b] + t. Rows at
     * the same position share the causal band (none at all for a single token); rows at different positions get a
     * [B, 1, T, span] mask that also hides the stale entries past each shorter row's end.
     */
    private NDArray cachedMask(int[] starts, int time, int span, NDManager scope) {
        boolean aligned = Arrays.stream(starts).allMatch(s -> s == starts[0]);
        if (aligned) {
            return time == 1 ? null
                    : causalBias.get(scope, new NDIndex("{}:{}, :{}", starts[0], starts[0] + time, span));
        }
        int batch = starts.length;
        return HostArrays.fill(scope, new Shape(batch, 1, time, span), DataType.FLOAT32, bytes -> {
            FloatBuffer floats = bytes.asFloatBuffer();
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < time; t++) {
                    int offset = (b * time + t) * span;
                    for (int k = 0; k < span; k++) {
                        floats.put(offset + k, k <= starts[b] + t ? 0f : MASKED_SCORE);
                    }
                }
            }
        });
    }

    /** The forward pass up to the final LayerNorm; every array it makes is attached to {@code scope} or below. */
    private NDArray run(NDArray tokenIds, boolean training, NDManager scope) {
        Shape shape = tokenIds.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("tokenIds must be [batch, time], got " + shape);
        }
        long time = shape.get(1);
        if (time < 1 || time > config.contextLength()) {
            throw new IllegalArgumentException("positions 0.." + (time - 1)
                    + " do not fit the context of " + config.contextLength() + " tokens");
        }
        NDArray ids = tokenIds.getDevice().equals(manager.getDevice()) ? tokenIds
                : own(tokenIds.toDevice(manager.getDevice(), false), scope);
        NDArray tokens = own(embedding(ids, tokenEmbedding), scope);
        NDArray positions = scope.arange(0, time, 1, DataType.INT64);
        NDArray x = tokens.add(embedding(positions, positionEmbedding));
        x = dropout(x, training);
        // A single token sees only itself: no mask needed.
        NDArray mask = time == 1 ? null : causalBias.get(scope, new NDIndex(":{}, :{}", time, time));
        List<BlockWeights> layers = blocks;
        for (int layer = 0; layer < layers.size(); layer++) {
            x = block(x, layer, layers.get(layer), mask, training, null, scope);
        }
        return finalNorm(x);
    }

    private NDArray finalNorm(NDArray x) {
        return LayerNorm.layerNorm(x, normShape, finalNormWeight, finalNormBias, (float) config.layerNormEps())
                .singletonOrThrow();
    }

    /**
     * x + attn(ln_1(x)), then + mlp(ln_2(x)). Runs in its own scope so that, without autograd, a block's
     * intermediates are freed before the next block starts; only the new residual stream (and the cache) leave it.
     */
    private NDArray block(NDArray x, int layer, BlockWeights w, NDArray mask, boolean training,
                          CachedAttention cached, NDManager scope) {
        try (NDManager local = scope.newSubManager()) {
            // Results follow their first operand's manager: parking x here puts everything derived from it here too.
            x.tempAttach(local);
            float eps = (float) config.layerNormEps();
            NDArray h = LayerNorm.layerNorm(x, normShape, w.ln1Weight(), w.ln1Bias(), eps).singletonOrThrow();
            NDArray a = attention(h, w, layer, mask, training, cached, local);
            x = x.add(dropout(a, training));
            h = LayerNorm.layerNorm(x, normShape, w.ln2Weight(), w.ln2Bias(), eps).singletonOrThrow();
            NDArray m = w.mlpProj().apply(Gelu.tanhApproximation(w.fc().apply(h, local)), local);
            x = x.add(dropout(m, training));
            x.attach(scope);
            return x;
        }
    }

    /**
     * Causal multi-head self-attention from one fused QKV projection. Uncached, the keys and values are this
     * call's own; cached, they are first written into the cache at the tokens' positions, and the attention then
     * reads each row's filled prefix from there.
     */
    private NDArray attention(NDArray h, BlockWeights w, int layer, NDArray mask, boolean training,
                              CachedAttention cached, NDManager local) {
        Shape shape = h.getShape();
        long batch = shape.get(0);
        long time = shape.get(1);
        NDList qkv = w.attn().apply(h, local).split(3, 2);
        NDArray q = heads(qkv.get(0), batch, time);
        NDArray k;
        NDArray v;
        if (cached == null) {
            k = heads(qkv.get(1), batch, time);
            v = heads(qkv.get(2), batch, time);
        } else {
            // cache[slot, :, position] is [B, T, H, D] (advanced indices split by a slice lead): the layout
            // before the heads transpose, so the new keys go in without one.
            NDArray keys = cached.cache().keys(layer);
            NDArray values = cached.cache().values(layer);
            keys.set(cached.writeIndex(), qkv.get(1).reshape(batch, time, config.heads(), config.headDim()));
            values.set(cached.writeIndex(), qkv.get(2).reshape(batch, time, config.heads(), config.headDim()));
            k = keys.get(local, cached.readIndex());
            v = values.get(local, cached.readIndex());
        }
        // Scaling q ([.., T, D]) is cheaper than scaling the scores ([.., T, T]).
        NDArray scores = q.mul(attentionScale).matMul(k.transpose(0, 1, 3, 2));
        if (mask != null) {
            // In place: matMul keeps its inputs, not its output, for backward, so this is autograd-safe.
            scores.addi(mask);
        }
        NDArray weights = dropout(scores.softmax(-1), training);
        NDArray y = weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, time, config.embedDim());
        return w.attnProj().apply(y, local);
    }

    /** [B, T, C] -> [B, H, T, D], a view. */
    private NDArray heads(NDArray x, long batch, long time) {
        return x.reshape(batch, time, config.heads(), config.headDim()).transpose(0, 2, 1, 3);
    }

    private static NDArray embedding(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    private NDArray dropout(NDArray x, boolean training) {
        if (!training || config.dropout() == 0) {
            return x;
        }
        return Dropout.dropout(x, (float) config.dropout(), true).singletonOrThrow();
    }

    /** Arrays made from a parameter land in the model's manager; move them to the scope that frees them. */
    private static NDArray own(NDArray array, NDManager scope) {
        array.attach(scope);
        return array;
    }

    @Override
    public void close() {
        manager.close();
    }
}
