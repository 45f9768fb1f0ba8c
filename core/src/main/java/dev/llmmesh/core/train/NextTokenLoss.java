package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Mean cross-entropy of next-token predictions over every position of a batch. */
public final class NextTokenLoss {

    private NextTokenLoss() {
    }

    /**
     * @param logits  [B, T, V] float32
     * @param targets [B, T] integer token ids
     * @return a scalar, differentiable when the logits are
     */
    public static NDArray mean(NDArray logits, NDArray targets) {
        // log-softmax then gather: the stable form (no exp overflow) and no [B, T, V] one-hot tensor
        NDArray logProbabilities = logits.logSoftmax(-1);
        NDArray index = targets.toType(DataType.INT64, false).expandDims(-1);
        NDArray picked = logProbabilities.gather(index, -1);
        return picked.mean().neg();
    }
}
