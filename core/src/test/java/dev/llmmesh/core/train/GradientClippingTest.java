package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientClippingTest {
    @Test
    void scalesAllGradientsByOneFactorWhenTheGlobalNormIsTooLarge() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[]{3, 4});
            NDArray b = manager.create(new float[]{12});
            // global norm sqrt(9 + 16 + 144) = 13: neither tensor alone is over 6.5
            double norm = GradientClipping.clipByGlobalNorm(List.of(a, b), 6.5);
            assertEquals(13, norm, 1e-6);
            assertArrayEquals(new float[]{1.5f, 2f}, a.toFloatArray(), 1e-5f);
            assertArrayEquals(new float[]{6f}, b.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void leavesSmallGradientsAloneAndZeroMeansOff() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[]{3, 4});
            assertEquals(5, GradientClipping.clipByGlobalNorm(List.of(a), 10), 1e-6);
            assertEquals(5, GradientClipping.clipByGlobalNorm(List.of(a), 0), 1e-6);
            assertArrayEquals(new float[]{3, 4}, a.toFloatArray());
        }
    }

    @Test
    void reportsNonFiniteNorms() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[]{Float.NaN, 1});
            assertTrue(Double.isNaN(GradientClipping.clipByGlobalNorm(List.of(a), 1)));
        }
    }
}
