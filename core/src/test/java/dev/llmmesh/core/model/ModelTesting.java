package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;

/** Small helpers shared by the model tests. */
final class ModelTesting {
    /** 97 tokens, 32 positions, width 32, 2 layers, 4 heads: builds and runs in milliseconds. */
    static final GptConfig SMALL = new GptConfig(97, 32, 32, 2, 4, 0.0, 1e-5);

    private ModelTesting() {
    }

    /** Mean next-token cross-entropy of logits [B, T, V] against targets [B, T]. */
    static NDArray crossEntropy(NDArray logits, NDArray targets) {
        long vocab = logits.getShape().get(2);
        NDArray oneHot = targets.oneHot((int) vocab);
        return logits.logSoftmax(-1).mul(oneHot).sum().neg().div(targets.size());
    }

    static float maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    /** Deterministic pseudo-random token ids. */
    static long[] tokens(int count, int vocab, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }
}
