package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * One of a transformer block's four linear maps ({@code attn.c_attn}, {@code attn.c_proj}, {@code mlp.c_fc},
 * {@code mlp.c_proj}): {@code [.., in] -> [.., out]}. The seam where an adapter plugs in: a LoRA projection wraps the
 * {@link DenseProjection} it adapts and adds its low-rank delta, in both of the model's forward paths, libtorch's
 * ({@link #apply}) and the Java decode kernels' ({@link #host}). The two must compute the same map; a test holds them
 * equal for anything other than the plain dense one.
 */
public interface Projection {

    /** Width of the input rows. */
    int in();

    /** Width of the output rows. */
    int out();

    /**
     * The map on libtorch: {@code x} [.., in] to [.., out], differentiable when autograd records. Arrays a call makes
     * from parameters (views included) must be attached to {@code scope}, which frees them; results derived from
     * {@code x} follow its manager.
     */
    NDArray apply(NDArray x, NDManager scope);

    /**
     * The same map for the Java decode kernels, reading the weights in place (so it sees in-place updates). Made
     * once per model and used for every step; only ever asked for on the CPU.
     */
    Host host();

    /** A projection's host form. */
    @FunctionalInterface
    interface Host {
        /**
         * Writes columns {@code [from, to)} of {@code y = f(x)} for {@code rows} rows, row-major: {@code x} is
         * [rows, in], {@code y} is [rows, out]. Calls for disjoint column ranges run concurrently on the same
         * {@code x} and {@code y}, so an implementation writes only its own columns.
         */
        void apply(float[] x, float[] y, int rows, int from, int to);
    }
}
