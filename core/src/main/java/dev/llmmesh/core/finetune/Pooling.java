package dev.llmmesh.core.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which hidden states a classifier's head reads of a right-padded row. Both mask the padding, so a row's logits do not
 * depend on the batch it is in.
 */
public enum Pooling {
    /**
     * The last real token's state: HuggingFace's {@code GPT2ForSequenceClassification} and the book (chapter 6). Under
     * causal attention it is the only position that has seen the whole row, so everything the head needs has to be
     * routed into that one state.
     */
    LAST("last") {
        @Override
        NDArray pool(NDArray hidden, int[] lengths, NDManager caller) {
            int batch = lengths.length;
            int width = (int) hidden.getShape().get(2);
            long[] index = new long[batch * width];
            for (int b = 0; b < batch; b++) {
                Arrays.fill(index, b * width, (b + 1) * width, lengths[b] - 1);
            }
            // gather along time: [B, 1, C] holding each row's last real position, all of its channels
            NDArray last = hidden.gather(keep(caller.create(index, new Shape(batch, 1, width)), hidden, caller), 1);
            return last.squeeze(1);
        }
    },
    /**
     * The mean of the real tokens' states. Every token's state reaches the head directly, as a bag of words does: with
     * a few hundred examples and a base that has not read the domain, this learns what the tokens of each class are
     * far sooner than routing them through attention into one position (BENCHMARKS.md, spam). HuggingFace's
     * {@code GPT2ForSequenceClassification} reads the last token instead; the exported config says which this is.
     */
    MEAN("mean") {
        @Override
        NDArray pool(NDArray hidden, int[] lengths, NDManager caller) {
            int batch = lengths.length;
            int time = (int) hidden.getShape().get(1);
            float[] weights = new float[batch * time];
            for (int b = 0; b < batch; b++) {
                Arrays.fill(weights, b * time, b * time + lengths[b], 1f / lengths[b]);
            }
            // [B, T, 1] of 1/length on real positions and 0 on padding: a weighted sum over time is the masked mean
            NDArray mask = keep(caller.create(weights, new Shape(batch, time, 1)), hidden, caller);
            return hidden.mul(mask).sum(new int[] {1});
        }
    };

    public static final Pooling DEFAULT = LAST;

    private final String wireName;

    Pooling(String wireName) {
        this.wireName = wireName;
    }

    /** The name in jobs and configs: {@code last}, {@code mean}. */
    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException naming the valid choices for anything else */
    public static Pooling of(String name) {
        for (Pooling p : values()) {
            if (p.wireName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("pooling must be one of "
                + Arrays.stream(values()).map(Pooling::wireName).collect(Collectors.joining(", "))
                + "; got '" + name + "'");
    }

    /**
     * @param hidden  [B, T, C] final hidden states
     * @param lengths real tokens per row, each in [1, T] (checked by the caller)
     * @param caller  the manager whose lifetime the result's autograd graph shares
     * @return [B, C]
     */
    abstract NDArray pool(NDArray hidden, int[] lengths, NDManager caller);

    /**
     * {@code constant} (made by {@code caller}) on {@code hidden}'s device, living as long as the caller's arrays, not
     * the forward's scope: backward (after the forward returns) reads it again, and an array made from a Java buffer
     * gives up its memory when closed, so autograd would read freed memory.
     */
    private static NDArray keep(NDArray constant, NDArray hidden, NDManager caller) {
        NDArray placed = constant.toDevice(hidden.getDevice(), false);
        placed.attach(caller);
        return placed;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
