package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.NoGrad;

/**
 * The engine's own float32 matmul throughput on this device, measured, so MFU compares against what this
 * machine (its cores, its BLAS, its GPU) can actually do rather than a datasheet number.
 *
 * @param flopsPerSecond  2 n^3 FLOPs of one product over the fastest product's time
 * @param size            n, of the n x n by n x n products timed
 * @param repetitions     products timed after warmup
 */
public record MatmulPeak(double flopsPerSecond, int size, int repetitions) {

    /** 1024 on CPU (about 2 GFLOP a product), 4096 on a GPU where smaller products do not fill it. */
    public static MatmulPeak measure(NDManager manager) {
        int n = manager.getDevice().isGpu() ? 4096 : 1024;
        return measure(manager, n, 0.3);
    }

    /**
     * Times n x n products one by one until about {@code seconds} have passed (at least 5), after two warmup
     * products that page in the memory and let the BLAS pick its kernel. The fastest product counts, not the
     * mean: a peak is what the device can do, and on a shared machine the mean mostly measures the neighbours.
     */
    public static MatmulPeak measure(NDManager manager, int n, double seconds) {
        try (NDManager scope = manager.newSubManager();
             NoGrad ignored = NoGrad.enter()) {
            // ones, not random: the values do not change the speed, and drawing them would move the
            // engine's RNG, which training reseeds for reproducible dropout
            NDArray a = scope.ones(new Shape(n, n), DataType.FLOAT32);
            NDArray b = scope.ones(new Shape(n, n), DataType.FLOAT32);
            for (int i = 0; i < 2; i++) {
                sync(a.matMul(b));
            }
            int repetitions = 0;
            long fastest = Long.MAX_VALUE;
            long start = System.nanoTime();
            long now;
            do {
                long before = System.nanoTime();
                // one element read waits for the product: GPU kernels return before they finish
                sync(a.matMul(b));
                now = System.nanoTime();
                fastest = Math.min(fastest, now - before);
                repetitions++;
            } while (repetitions < 5 || now - start < seconds * 1e9);
            return new MatmulPeak(2.0 * n * n * n / (fastest / 1e9), n, repetitions);
        }
    }

    private static void sync(NDArray product) {
        try (product; NDArray corner = product.get(0, 0)) {
            corner.getFloat();
        }
    }
}
