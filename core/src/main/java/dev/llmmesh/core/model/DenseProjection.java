package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.core.Linear;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * HuggingFace's {@code Conv1D}, what GPT-2 checkpoints store: {@code y = x @ weight + bias} with {@code weight}
 * [in, out] (the transpose of {@code nn.Linear}'s) and {@code bias} [out]. Holds the very arrays of
 * {@link GptModel#parameters()}, so training and checkpoints see the same weights.
 */
public final class DenseProjection implements Projection {
    private final NDArray weight;
    private final NDArray bias;

    public DenseProjection(NDArray weight, NDArray bias) {
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(bias, "bias");
        if (weight.getShape().dimension() != 2 || bias.getShape().dimension() != 1
                || bias.getShape().get(0) != weight.getShape().get(1)) {
            throw new IllegalArgumentException("a dense projection needs weight [in, out] and bias [out], got "
                    + weight.getShape() + " and " + bias.getShape());
        }
        this.weight = weight;
        this.bias = bias;
    }

    /** [in, out], a parameter of the model (not a copy). */
    public NDArray weight() {
        return weight;
    }

    /** [out], a parameter of the model (not a copy). */
    public NDArray bias() {
        return bias;
    }

    @Override
    public int in() {
        return Math.toIntExact(weight.getShape().get(0));
    }

    @Override
    public int out() {
        return Math.toIntExact(weight.getShape().get(1));
    }

    /**
     * linear() wants [out, in]; handing it the transposed view lets libtorch run one addmm on the weight as stored,
     * with the bias fused, and no copy.
     */
    @Override
    public NDArray apply(NDArray x, NDManager scope) {
        NDArray weightView = weight.transpose();
        // made from a parameter, so it landed in the model's manager: the scope frees it
        weightView.attach(scope);
        return Linear.linear(x, weightView, bias).singletonOrThrow();
    }

    @Override
    public Host host() {
        MemorySegment w = HostArrays.segment(weight);
        MemorySegment b = HostArrays.segment(bias);
        int in = in();
        int out = out();
        return (x, y, rows, from, to) -> VectorKernels.matmulColumns(w, b, in, out, x, y, rows, from, to);
    }
}
