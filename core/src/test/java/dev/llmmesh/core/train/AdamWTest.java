package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {
    private static final String MATRIX = "transformer.h.0.attn.c_attn.weight";
    private static final String BIAS = "transformer.h.0.attn.c_attn.bias";
    private static final double LR = 0.1;
    private static final double WD = 0.5;
    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-8;

    @Test
    void firstStepIsSignedLearningRateAndDecayHitsOnlyTheMatrix() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = params(manager);
            try (AdamW adamW = new AdamW(params, B1, B2, EPS, WD, true)) {
                assertTrue(adamW.decays(MATRIX));
                assertFalse(adamW.decays(BIAS));
                adamW.step(LR, Map.of(MATRIX, manager.create(new float[]{0.1f, -0.2f, 0.3f, 0f}, new Shape(2, 2)),
                        BIAS, manager.create(new float[]{0.5f, -0.5f})));
                // bias-corrected m/sqrt(v) is g/|g| on step 1: each weight moves by lr against its gradient's
                // sign (0 for a zero gradient); the matrix is first shrunk by 1 - lr*wd = 0.95
                assertArrayEquals(new float[]{0.85f, 2.0f, 2.75f, 3.8f}, params.get(MATRIX).toFloatArray(), 1e-6f);
                assertArrayEquals(new float[]{0.9f, -0.9f}, params.get(BIAS).toFloatArray(), 1e-6f);
                assertEquals(1, adamW.steps());
            }
        }
    }

    @Test
    void secondStepMatchesTheFormulaWithBiasCorrection() {
        double[] w = {1, 2, 3, 4};
        double[] g1 = {0.1, -0.2, 0.3, 0};
        double[] g2 = {0.2, 0.1, -0.1, 0.4};
        double[] b = {1, -1};
        double[] gb1 = {0.5, -0.5};
        double[] gb2 = {0.1, 0.2};
        double[] expectedW = reference(w, g1, g2, WD);
        double[] expectedB = reference(b, gb1, gb2, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = params(manager);
            try (AdamW adamW = new AdamW(params, B1, B2, EPS, WD, true)) {
                adamW.step(LR, Map.of(MATRIX, matrix(manager, g1), BIAS, vector(manager, gb1)));
                adamW.step(LR, Map.of(MATRIX, matrix(manager, g2), BIAS, vector(manager, gb2)));
            }
            assertArrayEquals(toFloat(expectedW), params.get(MATRIX).toFloatArray(), 1e-6f);
            assertArrayEquals(toFloat(expectedB), params.get(BIAS).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void stateRoundTripsIntoAFreshOptimizer() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> a = params(manager);
            SequencedMap<String, NDArray> b = params(manager);
            Map<String, NDArray> g1 = Map.of(MATRIX, matrix(manager, new double[]{0.1, -0.2, 0.3, 0}),
                    BIAS, vector(manager, new double[]{0.5, -0.5}));
            Map<String, NDArray> g2 = Map.of(MATRIX, matrix(manager, new double[]{0.2, 0.1, -0.1, 0.4}),
                    BIAS, vector(manager, new double[]{0.1, 0.2}));
            try (AdamW first = new AdamW(a, B1, B2, EPS, WD, true);
                 AdamW second = new AdamW(b, B1, B2, EPS, WD, true)) {
                first.step(LR, g1);
                b.get(MATRIX).set(a.get(MATRIX).toByteBuffer());
                b.get(BIAS).set(a.get(BIAS).toByteBuffer());
                Map<String, NDArray> state = first.state(manager);
                assertTrue(state.containsKey("m." + MATRIX) && state.containsKey("v." + BIAS));
                second.load(state);
                assertEquals(1, second.steps());
                first.step(LR, g2);
                second.step(LR, g2);
                assertArrayEquals(a.get(MATRIX).toFloatArray(), b.get(MATRIX).toFloatArray(), 0f);
                assertArrayEquals(a.get(BIAS).toFloatArray(), b.get(BIAS).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void embeddingsDecayOnlyWhenAsked() {
        Shape matrix = new Shape(10, 4);
        assertTrue(AdamW.decays("transformer.wte.weight", matrix, true));
        assertFalse(AdamW.decays("transformer.wte.weight", matrix, false));
        assertFalse(AdamW.decays("transformer.wpe.weight", matrix, false));
        assertTrue(AdamW.decays("transformer.h.3.mlp.c_fc.weight", matrix, false));
        assertFalse(AdamW.decays("transformer.h.3.ln_1.weight", new Shape(4), true));
    }

    /** torch.optim.AdamW's update, two steps, in double precision. */
    private static double[] reference(double[] p0, double[] g1, double[] g2, double wd) {
        double[] p = p0.clone();
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        double[][] grads = {g1, g2};
        for (int t = 1; t <= 2; t++) {
            double[] g = grads[t - 1];
            for (int i = 0; i < p.length; i++) {
                p[i] *= 1 - LR * wd;
                m[i] = B1 * m[i] + (1 - B1) * g[i];
                v[i] = B2 * v[i] + (1 - B2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(B1, t));
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(B2, t)) + EPS;
                p[i] -= LR * mHat / denom;
            }
        }
        return p;
    }

    private static SequencedMap<String, NDArray> params(NDManager manager) {
        SequencedMap<String, NDArray> params = new LinkedHashMap<>();
        params.put(MATRIX, manager.create(new float[]{1, 2, 3, 4}, new Shape(2, 2)));
        params.put(BIAS, manager.create(new float[]{1, -1}));
        return params;
    }

    private static NDArray matrix(NDManager manager, double[] values) {
        return manager.create(toFloat(values), new Shape(2, 2));
    }

    private static NDArray vector(NDManager manager, double[] values) {
        return manager.create(toFloat(values));
    }

    private static float[] toFloat(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }
}
