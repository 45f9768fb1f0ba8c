package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;

/**
 * GPT-2's GELU, the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) ("gelu_new" in HuggingFace).
 * DJL's gelu() is the exact erf form (libtorch's approximate="tanh" is not reachable through the JNI), which
 * differs by up to ~1e-3 and would break parity with GPT-2 checkpoints.
 */
final class Gelu {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    /** 0.5·(1 + tanh(u)) = sigmoid(2u), so fold the 2 into the polynomial: x·sigmoid(x·(A + B·x²)). */
    private static final float A = (float) (2 * SQRT_2_OVER_PI);
    private static final float B = (float) (2 * SQRT_2_OVER_PI * 0.044715);

    private Gelu() {
    }

    static NDArray tanhApproximation(NDArray x) {
        // square() keeps x, not its result, for backward, so the two scalar steps may update it in place.
        NDArray inner = x.square().muli(B).addi(A).mul(x);
        return inner.getNDArrayInternal().sigmoid().mul(x);
    }
}
