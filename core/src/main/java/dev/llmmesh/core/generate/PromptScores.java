package dev.llmmesh.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A prompt's token log probabilities from its prefill's logits, computed where the logits are: the log-softmax, the
 * prompt's own tokens and the top alternatives of every position come back, not the [T, vocab] logits, which for a
 * GPT-2-sized vocabulary and a 1,024-token window are 200 MB to copy and 50 million exponentials to take one by one.
 * The same values as {@link Logprobs} (log-softmax of the raw logits), to float rounding.
 */
final class PromptScores {
    private PromptScores() {
    }

    /**
     * @param logits       [1, T, V], row t predicting prompt token t + 1; T is the prompt's length, or one less
     *                     when its last token was only a target
     * @param alternatives the most likely tokens to list at each position
     * @return one per prompt token, the first null (nothing predicts it)
     */
    static List<TokenLogprob> of(NDArray logits, int[] prompt, int alternatives) {
        List<TokenLogprob> scored = new ArrayList<>(prompt.length);
        scored.add(null);
        int rows = prompt.length - 1;
        if (rows == 0) {
            return Collections.unmodifiableList(scored);
        }
        NDArray logprobs = logits.get(new NDIndex("0, :{}, :", rows)).logSoftmax(-1);
        long[] next = new long[rows];
        for (int t = 0; t < rows; t++) {
            next[t] = prompt[t + 1];
        }
        float[] own = logprobs.gather(logits.getManager().create(next, new Shape(rows, 1)), 1).toFloatArray();
        int k = (int) Math.min(alternatives, logits.getShape().get(2));
        float[] topValues = new float[0];
        long[] topIds = new long[0];
        if (k > 0) {
            NDList top = logprobs.topK(k, -1, true, true);
            topValues = top.get(0).toFloatArray();
            topIds = top.get(1).toLongArray();
        }
        for (int t = 0; t < rows; t++) {
            List<TokenLogprob.Alternative> alts = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                alts.add(new TokenLogprob.Alternative((int) topIds[t * k + i], topValues[t * k + i]));
            }
            scored.add(new TokenLogprob(prompt[t + 1], own[t], alts));
        }
        return Collections.unmodifiableList(scored);
    }
}
