package dev.llmmesh.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.KvCache;

import java.util.Arrays;

/**
 * Greedy decoding with the KV cache: each step feeds only the newest token. Deterministic (argmax, ties to the
 * lowest id).
 *
 * <p>When the sequence outgrows the context window the model keeps reading the last {@code contextLength} tokens,
 * as nanoGPT's {@code generate} crops them. Learned absolute positions mean a cache cannot simply drop its oldest
 * entry (every position would shift), so from then on each step recomputes the window from scratch.
 */
public final class Greedy {
    private Greedy() {
    }

    /** The {@code maxNewTokens} tokens that follow {@code prompt} (the prompt itself is not repeated). */
    public static int[] generate(GptModel model, int[] prompt, int maxNewTokens) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must not be negative, got " + maxNewTokens);
        }
        int context = model.config().contextLength();
        int[] sequence = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int length = prompt.length;
        int[] slot = {0};
        // Room for the whole sequence, or the context when the sequence outgrows it.
        int capacity = (int) Math.min(context, (long) prompt.length + maxNewTokens);
        try (KvCache cache = model.newCache(1, capacity);
             NDManager generation = model.manager().newSubManager()) {
            int[] feed = window(sequence, length, context);
            for (int i = 0; i < maxNewTokens; i++) {
                try (NDManager step = generation.newSubManager()) {
                    NDArray ids = step.create(feed, new Shape(1, feed.length));
                    NDArray logits = model.forward(ids, cache, slot, true);
                    sequence[length++] = (int) logits.get(0, 0).argMax().getLong();
                }
                if (cache.length(0) < capacity) {
                    feed = new int[] {sequence[length - 1]};
                } else {
                    cache.clear(0);
                    feed = window(sequence, length, context);
                }
            }
        }
        return Arrays.copyOfRange(sequence, prompt.length, length);
    }

    /** The last {@code context} tokens of {@code sequence[0, length)}. */
    private static int[] window(int[] sequence, int length, int context) {
        return Arrays.copyOfRange(sequence, Math.max(0, length - context), length);
    }
}
