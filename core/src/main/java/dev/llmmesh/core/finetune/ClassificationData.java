package dev.llmmesh.core.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Labelled texts encoded for a classifier: each truncated to {@code maxLength} tokens by a {@link Truncation} (what
 * {@link ClassifierModel#classify} reads too), batched right-padded to the batch's longest row. Texts are encoded as
 * plain text: special-token text in a mail is just characters.
 */
public final class ClassificationData {
    /** The text GPT-2's tokenizer pads with, when the tokenizer has it. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    /** One labelled text; {@code label} indexes the label list. */
    public record Example(String text, int label) {
    }

    /**
     * Rows of a batch.
     *
     * @param ids     [B, T] token ids, right-padded, T the longest row
     * @param lengths real tokens per row
     * @param labels  [B] gold label ids (int64)
     * @param indices which examples the rows are
     */
    public record Batch(NDArray ids, int[] lengths, NDArray labels, int[] indices) {
    }

    private final List<Example> examples;
    private final List<String> labelNames;
    private final int[][] tokens;
    private final boolean[] truncated;
    private final int maxLength;
    private final int padTokenId;

    private ClassificationData(List<Example> examples, List<String> labelNames, int[][] tokens, boolean[] truncated,
                               int maxLength, int padTokenId) {
        this.examples = examples;
        this.labelNames = labelNames;
        this.tokens = tokens;
        this.truncated = truncated;
        this.maxLength = maxLength;
        this.padTokenId = padTokenId;
    }

    /** {@link #of(List, List, Tokenizer, int, Truncation)} keeping each example's first tokens. */
    public static ClassificationData of(List<Example> examples, List<String> labels, Tokenizer tokenizer,
                                        int maxLength) {
        return of(examples, labels, tokenizer, maxLength, Truncation.DEFAULT);
    }

    /**
     * @param labels     class names; every example's label indexes it
     * @param maxLength  tokens kept per example; see {@link #longest}
     * @param truncation which of a longer example's tokens are kept
     * @throws IllegalArgumentException for no examples, a label out of range, or a text without tokens
     */
    public static ClassificationData of(List<Example> examples, List<String> labels, Tokenizer tokenizer,
                                        int maxLength, Truncation truncation) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be positive, got " + maxLength);
        }
        int[][] tokens = new int[examples.size()][];
        boolean[] truncated = new boolean[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            Example example = examples.get(i);
            if (example.label() < 0 || example.label() >= labels.size()) {
                throw new IllegalArgumentException("example " + i + " has label " + example.label() + ", outside the "
                        + labels.size() + " labels " + labels);
            }
            int[] all = tokenizer.encodeOrdinary(example.text());
            if (all.length == 0) {
                throw new IllegalArgumentException("example " + i + " has no tokens (empty text)");
            }
            truncated[i] = all.length > maxLength;
            tokens[i] = truncation.keep(all, maxLength);
        }
        return new ClassificationData(List.copyOf(examples), List.copyOf(labels), tokens, truncated, maxLength,
                padTokenId(tokenizer));
    }

    /** The tokenizer's {@value #END_OF_TEXT} id when it has one, else 0. */
    public static int padTokenId(Tokenizer tokenizer) {
        return tokenizer.specialTokens().getOrDefault(END_OF_TEXT, 0);
    }

    /**
     * The default maximum length: the longest example in tokens, capped by the model's context.
     */
    public static int longest(List<Example> examples, Tokenizer tokenizer, int contextLength) {
        int longest = 1;
        for (Example example : examples) {
            longest = Math.max(longest, tokenizer.encodeOrdinary(example.text()).length);
            if (longest >= contextLength) {
                return contextLength;
            }
        }
        return longest;
    }

    public int size() {
        return examples.size();
    }

    public Example example(int index) {
        return examples.get(index);
    }

    public List<String> labels() {
        return labelNames;
    }

    /** The tokens read for example {@code index}: at most {@link #maxLength()}. */
    public int[] tokens(int index) {
        return tokens[index].clone();
    }

    public int length(int index) {
        return tokens[index].length;
    }

    public boolean truncated(int index) {
        return truncated[index];
    }

    public int maxLength() {
        return maxLength;
    }

    public int padTokenId() {
        return padTokenId;
    }

    /** Gold label ids in example order. */
    public int[] goldLabels() {
        return examples.stream().mapToInt(Example::label).toArray();
    }

    /** Examples per label id. */
    public int[] labelCounts() {
        int[] counts = new int[labelNames.size()];
        examples.forEach(e -> counts[e.label()]++);
        return counts;
    }

    /**
     * A permutation of the examples for {@code epoch}: a function of the seed and the epoch alone, so a resumed run
     * sees the order the straight run saw.
     */
    public int[] epochOrder(long seed, int epoch) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        int[] order = new int[examples.size()];
        Arrays.setAll(order, i -> i);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The examples in order, cut into lists of at most {@code batchSize} (the last may be shorter). */
    public static List<int[]> chunks(int[] order, int batchSize) {
        List<int[]> chunks = new ArrayList<>();
        for (int start = 0; start < order.length; start += batchSize) {
            chunks.add(Arrays.copyOfRange(order, start, Math.min(order.length, start + batchSize)));
        }
        return chunks;
    }

    /** Rows {@code indices}, right-padded with {@link #padTokenId()} to the longest of them, in {@code manager}. */
    public Batch batch(NDManager manager, int[] indices) {
        int time = 0;
        for (int index : indices) {
            time = Math.max(time, tokens[index].length);
        }
        long[] ids = new long[indices.length * time];
        Arrays.fill(ids, padTokenId);
        int[] lengths = new int[indices.length];
        long[] gold = new long[indices.length];
        for (int b = 0; b < indices.length; b++) {
            int[] row = tokens[indices[b]];
            for (int t = 0; t < row.length; t++) {
                ids[b * time + t] = row[t];
            }
            lengths[b] = row.length;
            gold[b] = examples.get(indices[b]).label();
        }
        return new Batch(manager.create(ids, new Shape(indices.length, time)), lengths, manager.create(gold),
                indices.clone());
    }
}
