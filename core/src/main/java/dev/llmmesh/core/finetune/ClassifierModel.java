package dev.llmmesh.core.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.NoGrad;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * A GPT-2 with its LM head replaced by an n-class head: {@code score.weight} [labels, n_embd], no bias, applied to the
 * final LayerNorm's output pooled over each row, by default at its last real token as HuggingFace's
 * {@code GPT2ForSequenceClassification} and chapter 6 of the book (see {@link Pooling}).
 *
 * <p>Rows are right-padded. Attention is causal, so a position never sees the padding after it: the states of the
 * real tokens, the ones pooled, are exactly what the unpadded row gives, whatever the pad id is.
 *
 * <p>Owns the base model: closing this closes it. The head lives in the base model's manager beside its weights.
 */
public final class ClassifierModel implements AutoCloseable {
    /** The head's name in HuggingFace's {@code GPT2ForSequenceClassification} state dict. */
    public static final String SCORE = "score.weight";

    private static final double INIT_STD = 0.02;

    private final GptModel base;
    private final NDArray score;
    private final List<String> labels;
    private final int maxLength;
    private final int padTokenId;
    private final Pooling pooling;
    private final Truncation truncation;
    private final SequencedMap<String, NDArray> parameters;

    /**
     * Takes ownership of {@code base}; {@code score} [labels, n_embd] float32 must live in {@code base}'s manager.
     *
     * @param maxLength  the longest input read, in tokens
     * @param padTokenId the id batches are padded with (recorded as {@code pad_token_id} for HuggingFace)
     * @param pooling    which hidden states the head reads
     * @param truncation which {@code maxLength} tokens of a longer input are read
     */
    public ClassifierModel(GptModel base, NDArray score, List<String> labels, int maxLength, int padTokenId,
                           Pooling pooling, Truncation truncation) {
        this.base = Objects.requireNonNull(base, "base");
        this.labels = checkLabels(labels);
        GptConfig config = base.config();
        Shape expected = new Shape(labels.size(), config.embedDim());
        if (!score.getShape().equals(expected) || score.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(SCORE + " is " + score.getDataType() + " " + score.getShape()
                    + ", expected float32 " + expected + " (labels x n_embd)");
        }
        if (maxLength < 1 || maxLength > config.contextLength()) {
            throw new IllegalArgumentException("maxLength must be in [1, " + config.contextLength()
                    + "] (the model's context), got " + maxLength);
        }
        if (padTokenId < 0 || padTokenId >= config.vocabSize()) {
            throw new IllegalArgumentException("padTokenId " + padTokenId + " is outside the vocabulary of "
                    + config.vocabSize());
        }
        this.score = score;
        this.maxLength = maxLength;
        this.padTokenId = padTokenId;
        this.pooling = Objects.requireNonNull(pooling, "pooling");
        this.truncation = Objects.requireNonNull(truncation, "truncation");
        score.setName(SCORE);
        SequencedMap<String, NDArray> all = new LinkedHashMap<>(base.parameters());
        all.put(SCORE, score);
        this.parameters = Collections.unmodifiableSequencedMap(all);
    }

    /**
     * {@link #fromBase(GptModel, List, int, int, Pooling, Truncation, long)} padding with id 0, reading the first
     * tokens, at the last one.
     */
    public static ClassifierModel fromBase(GptModel base, List<String> labels, int maxLength, long seed) {
        return fromBase(base, labels, maxLength, 0, Pooling.DEFAULT, Truncation.DEFAULT, seed);
    }

    /**
     * A new head on {@code base} (taken over): normal(0, 0.02) weights from a Java generator seeded with
     * {@code seed}, so the same seed gives the same head on every device.
     */
    public static ClassifierModel fromBase(GptModel base, List<String> labels, int maxLength, int padTokenId,
                                           Pooling pooling, Truncation truncation, long seed) {
        checkLabels(labels);
        int width = base.config().embedDim();
        float[] weights = new float[labels.size() * width];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (INIT_STD * random.nextGaussian());
        }
        NDArray score = base.manager().create(weights, new Shape(labels.size(), width));
        return new ClassifierModel(base, score, labels, maxLength, padTokenId, pooling, truncation);
    }

    private static List<String> checkLabels(List<String> labels) {
        if (labels == null || labels.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 labels, got " + labels);
        }
        if (new HashSet<>(labels).size() != labels.size() || labels.stream().anyMatch(l -> l == null || l.isBlank())) {
            throw new IllegalArgumentException("labels must be distinct and non-blank, got " + labels);
        }
        return List.copyOf(labels);
    }

    /** Class names; index = the head's output index. */
    public List<String> labels() {
        return labels;
    }

    public int maxLength() {
        return maxLength;
    }

    public int padTokenId() {
        return padTokenId;
    }

    public Pooling pooling() {
        return pooling;
    }

    public Truncation truncation() {
        return truncation;
    }

    public GptConfig config() {
        return base.config();
    }

    /** The transformer underneath (owned by this model). */
    public GptModel base() {
        return base;
    }

    /** The manager holding every parameter. */
    public NDManager manager() {
        return base.manager();
    }

    /** The base model's parameters in HuggingFace order, then {@link #SCORE}. */
    public SequencedMap<String, NDArray> parameters() {
        return parameters;
    }

    /**
     * @param ids      [B, T] token ids, row b's real tokens at positions 0..lengths[b]-1, padding after
     * @param lengths  real tokens per row, each in [1, T]
     * @param training enables dropout
     * @return logits [B, labels], attached to the manager of {@code ids}; differentiable when gradients record
     */
    public NDArray logits(NDArray ids, int[] lengths, boolean training) {
        Shape shape = ids.getShape();
        if (shape.dimension() != 2 || shape.get(0) != lengths.length) {
            throw new IllegalArgumentException("ids " + shape + " must be [batch, time] with one length per row ("
                    + lengths.length + ")");
        }
        long time = shape.get(1);
        for (int b = 0; b < lengths.length; b++) {
            if (lengths[b] < 1 || lengths[b] > time) {
                throw new IllegalArgumentException("length " + lengths[b] + " of row " + b + " is outside [1, "
                        + time + "]");
            }
        }
        NDManager caller = ids.getManager();
        try (NDManager scope = caller.newSubManager(base.manager().getDevice())) {
            ids.tempAttach(scope);
            NDArray pooled = pooling.pool(base.hidden(ids, training), lengths, caller);
            NDArray logits = Linear.linear(pooled, score).singletonOrThrow();
            logits.attach(caller);
            return logits;
        }
    }

    /**
     * Serving: each input truncated to {@link #maxLength} by the model's {@link #truncation} (as training does), all in
     * one batched forward without gradients, padded to the longest.
     *
     * @throws IllegalArgumentException if an input has no tokens (there is nothing to read the label at)
     */
    public List<Classified> classify(List<int[]> tokenIds) {
        if (tokenIds.isEmpty()) {
            return List.of();
        }
        int batch = tokenIds.size();
        List<int[]> read = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            int[] tokens = tokenIds.get(b);
            if (tokens.length == 0) {
                throw new IllegalArgumentException("input " + b + " has no tokens");
            }
            for (int token : tokens) {
                if (token < 0 || token >= config().vocabSize()) {
                    throw new IllegalArgumentException("input " + b + " holds token id " + token
                            + ", outside the vocabulary of " + config().vocabSize());
                }
            }
            read.add(truncation.keep(tokens, maxLength));
        }
        int[] lengths = read.stream().mapToInt(tokens -> tokens.length).toArray();
        int time = Arrays.stream(lengths).max().orElseThrow();
        long[] ids = new long[batch * time];
        Arrays.fill(ids, padTokenId);
        for (int b = 0; b < batch; b++) {
            int[] tokens = read.get(b);
            for (int t = 0; t < lengths[b]; t++) {
                ids[b * time + t] = tokens[t];
            }
        }
        float[] probabilities;
        try (NDManager scope = base.manager().newSubManager();
             NoGrad ignored = NoGrad.enter(scope)) {
            NDArray logits = logits(scope.create(ids, new Shape(batch, time)), lengths, false);
            probabilities = logits.softmax(-1).toFloatArray();
        }
        int k = labels.size();
        List<Classified> out = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            float[] p = Arrays.copyOfRange(probabilities, b * k, (b + 1) * k);
            out.add(new Classified(argmax(p), p, lengths[b], tokenIds.get(b).length > lengths[b]));
        }
        return out;
    }

    /** Index of the largest value, the first of equals. */
    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public void close() {
        base.close();
    }
}
