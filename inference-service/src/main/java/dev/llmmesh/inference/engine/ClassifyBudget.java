package dev.llmmesh.inference.engine;

import dev.llmmesh.core.model.GptConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * How much one classifier forward may hold, so that a round of up to 256 texts runs as micro-batches of bounded
 * memory and time instead of one forward padded to its longest text.
 *
 * <p>A micro-batch of {@code rows} texts padded to {@code length} tokens fits when {@code rows x length <= tokens}
 * and its largest activation, {@code rows x length x max(4 x n_embd, heads x length)} floats (the MLP's hidden layer,
 * or one block's attention scores {@code [rows, heads, length, length]}, which softmax copies once more), stays
 * under {@code floats}. The standard budget (16 Ki tokens, 64 Mi floats = 256 MiB of float32 per tensor) gives a
 * GPT-2 small classifier 128 texts of 128 tokens or 5 of 1,024 per forward, where 256 texts of 1,024 tokens in one
 * forward needed about 13 GB for one block's attention scores. A single text always runs, whatever it costs: it is
 * never larger than the model's context.
 *
 * @param tokens rows x padded length allowed in one forward
 * @param floats elements allowed in the forward's largest activation tensor
 */
record ClassifyBudget(long tokens, long floats) {
    static final ClassifyBudget STANDARD = new ClassifyBudget(16_384, 1L << 26);

    ClassifyBudget {
        if (tokens < 1 || floats < 1) {
            throw new IllegalArgumentException("a classify budget must be positive: " + tokens + " tokens, "
                    + floats + " floats");
        }
    }

    /** Whether {@code rows} texts padded to {@code length} tokens fit one forward of a model of this shape. */
    boolean fits(int rows, int length, GptConfig config) {
        long cells = (long) rows * length;
        long widest = Math.max(4L * config.embedDim(), (long) config.heads() * length);
        return cells <= tokens && cells * widest <= floats;
    }

    /**
     * Cuts texts of the given lengths (already truncated to what the model reads) into micro-batches: shortest first,
     * so each batch pads little, and each as large as fits.
     *
     * @return indices into {@code lengths}, one array per forward, each in ascending length; every index once
     */
    List<int[]> cut(int[] lengths, GptConfig config) {
        Integer[] order = new Integer[lengths.length];
        Arrays.setAll(order, i -> i);
        // stable: equal lengths keep their arrival order
        Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
        List<int[]> batches = new ArrayList<>();
        int start = 0;
        while (start < order.length) {
            int end = start + 1;
            // ascending order: the row being added is the longest, so it sets the padded length
            while (end < order.length && fits(end - start + 1, lengths[order[end]], config)) {
                end++;
            }
            int[] batch = new int[end - start];
            for (int i = start; i < end; i++) {
                batch[i - start] = order[i];
            }
            batches.add(batch);
            start = end;
        }
        return batches;
    }
}
