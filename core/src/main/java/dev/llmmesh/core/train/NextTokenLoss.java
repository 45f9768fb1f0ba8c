package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;

/**
 * Mean cross-entropy of next-token predictions over every position of a batch: {@link CrossEntropy#mean}, the one
 * cross-entropy of the project, under the name pretraining code reads best. Pretraining targets are never
 * {@link CrossEntropy#IGNORE_INDEX}, so every position counts.
 */
public final class NextTokenLoss {

    private NextTokenLoss() {
    }

    /**
     * @param logits  [B, T, V] float32
     * @param targets [B, T] integer token ids
     * @return a scalar, differentiable when the logits are
     */
    public static NDArray mean(NDArray logits, NDArray targets) {
        return CrossEntropy.mean(logits, targets);
    }
}
