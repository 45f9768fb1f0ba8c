package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Mean cross-entropy over the targets that count: a target equal to {@link #IGNORE_INDEX} (padding, a prompt
 * the model is not graded on) adds neither loss nor gradient, and the mean is over the others only, the
 * convention of {@code torch.nn.functional.cross_entropy(..., ignore_index=-100)} and of HuggingFace labels.
 */
public final class CrossEntropy {

    /** The target value that is left out of the loss. */
    public static final int IGNORE_INDEX = -100;

    private CrossEntropy() {
    }

    /**
     * @param logits  [..., C] float32 (next-token logits [B, T, V], or a classifier's [B, C])
     * @param targets [...] integer class ids in [0, C), or {@link #IGNORE_INDEX}
     * @return a scalar, differentiable when the logits are; 0 when every target is ignored (torch gives NaN
     *         there, which would only make the loop skip a step that has nothing to learn anyway)
     */
    public static NDArray mean(NDArray logits, NDArray targets) {
        NDArray ids = targets.toType(DataType.INT64, false);
        NDArray counted = ids.neq(IGNORE_INDEX);
        // an ignored target gathers class 0 and is then multiplied away: gather itself refuses -100
        NDArray safe = ids.mul(counted.toType(DataType.INT64, false)).expandDims(-1);
        NDArray picked = logits.logSoftmax(-1).gather(safe, -1).squeeze(-1);
        NDArray weights = counted.toType(DataType.FLOAT32, false);
        NDArray total = picked.mul(weights).sum().neg();
        return total.div(weights.sum().maximum(1f));
    }
}
