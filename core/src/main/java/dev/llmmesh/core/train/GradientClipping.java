package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.NoGrad;

import java.util.Collection;

/**
 * Clipping by the global L2 norm over all gradients together, as {@code torch.nn.utils.clip_grad_norm_}:
 * the update keeps its direction and only its length is capped. DJL's built-in clipping clamps each element
 * on its own, which bends the direction.
 */
public final class GradientClipping {

    private GradientClipping() {
    }

    /**
     * Scales every gradient in place by {@code maxNorm / norm} when the global norm exceeds {@code maxNorm}.
     *
     * @param maxNorm the cap; 0 or less only measures
     * @return the global norm before clipping (NaN or infinite when some gradient is)
     */
    public static double clipByGlobalNorm(Collection<NDArray> gradients, double maxNorm) {
        if (gradients.isEmpty()) {
            return 0;
        }
        NDManager any = gradients.iterator().next().getManager();
        double norm;
        try (NDManager scratch = any.newSubManager(); NoGrad ignored = NoGrad.enter()) {
            // Summed on the device and read once: one host sync instead of one per tensor.
            NDArray sumOfSquares = scratch.zeros(new Shape(), DataType.FLOAT32);
            for (NDArray g : gradients) {
                // closed at once: a squared copy of every gradient would otherwise live until the step ends
                try (NDArray squares = g.square(); NDArray local = squares.sum()) {
                    sumOfSquares.addi(local);
                }
            }
            norm = Math.sqrt(sumOfSquares.getFloat());
        }
        if (maxNorm > 0 && norm > maxNorm) {
            // torch adds 1e-6 so a vanishing norm cannot divide by zero; kept for identical numbers.
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (NDArray g : gradients) {
                g.muli(scale);
            }
        }
        return norm;
    }
}
