package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;

import java.util.Collection;

/**
 * Training FLOPs per token of a GPT: {@code 6 N + 12 L T C}, the estimate of the PaLM paper (appendix B)
 * that nanoGPT's {@code estimate_mfu} uses. {@code 6N}: forward (2N) plus backward (4N) multiply-adds of
 * every weight; {@code 12 L T C}: the attention score and value matmuls, which hold no parameters.
 * Elementwise work, softmax and LayerNorm are left out, so MFU slightly understates the true utilisation.
 */
public final class Flops {

    private Flops() {
    }

    /**
     * @param parameters     every trainable weight, tied ones counted once (nanoGPT leaves the position
     *                       embedding out; its share is tiny and counted here)
     * @param contextLength  the training sequence length T (not the model's maximum)
     */
    public static double perToken(long parameters, int layers, int contextLength, int embedDim) {
        return 6.0 * parameters + 12.0 * layers * contextLength * embedDim;
    }

    public static long parameterCount(Collection<NDArray> parameters) {
        long n = 0;
        for (NDArray p : parameters) {
            n += p.size();
        }
        return n;
    }
}
