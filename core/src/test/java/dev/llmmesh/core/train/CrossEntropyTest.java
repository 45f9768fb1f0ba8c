package dev.llmmesh.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CrossEntropyTest {
    private static final float[][] LOGITS = {{2.0f, -1.0f, 0.5f}, {0.1f, 0.2f, 0.3f}, {-3.0f, 4.0f, 1.0f},
            {1.5f, 1.5f, -0.5f}};

    /** -log softmax(row)[target], in doubles. */
    private static double nll(float[] row, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : row) {
            sum += Math.exp(v - max);
        }
        return -(row[target] - max - Math.log(sum));
    }

    private static NDArray logits(NDManager manager) {
        float[] flat = new float[LOGITS.length * 3];
        for (int i = 0; i < LOGITS.length; i++) {
            System.arraycopy(LOGITS[i], 0, flat, i * 3, 3);
        }
        return manager.create(flat, new Shape(LOGITS.length, 3));
    }

    @Test
    void meanIsOverTheCountedTargetsOnly() {
        int[] targets = {0, CrossEntropy.IGNORE_INDEX, 1, CrossEntropy.IGNORE_INDEX};
        double expected = (nll(LOGITS[0], 0) + nll(LOGITS[2], 1)) / 2;
        try (NDManager manager = NDManager.newBaseManager()) {
            float loss = CrossEntropy.mean(logits(manager), manager.create(targets)).getFloat();
            assertEquals(expected, loss, 1e-6);
        }
    }

    @Test
    void withoutIgnoredTargetsItIsTheMeanNextTokenLoss() {
        int[] targets = {2, 0, 1, 1};
        double expected = 0;
        for (int i = 0; i < targets.length; i++) {
            expected += nll(LOGITS[i], targets[i]) / targets.length;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            // [1, 4, 3] next-token logits with [1, 4] targets: the shapes pretraining passes
            NDArray logits = logits(manager).reshape(1, 4, 3);
            NDArray ids = manager.create(targets).reshape(1, 4);
            assertEquals(expected, CrossEntropy.mean(logits, ids).getFloat(), 1e-6);
        }
    }

    /**
     * Pretraining used a plain mean of the gathered log-probabilities before it moved to {@link CrossEntropy}; with no
     * ignored target the masked form must give the very same bits, loss and gradient, or pretraining runs would
     * change.
     */
    @Test
    void withoutIgnoredTargetsItMatchesThePlainMeanBitForBit() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(7);
            NDArray values = manager.randomNormal(new Shape(3, 17, 61)).mul(3);
            NDArray ids = manager.randomInteger(0, 61, new Shape(3, 17), DataType.INT32);
            NDArray plainLogits = values.duplicate();
            plainLogits.setRequiresGradient(true);
            float plain;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray index = ids.toType(DataType.INT64, false).expandDims(-1);
                NDArray loss = plainLogits.logSoftmax(-1).gather(index, -1).mean().neg();
                plain = loss.getFloat();
                collector.backward(loss);
            }
            NDArray logits = values.duplicate();
            logits.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = CrossEntropy.mean(logits, ids);
                assertEquals(Float.floatToRawIntBits(plain), Float.floatToRawIntBits(loss.getFloat()));
                collector.backward(loss);
            }
            assertArrayEquals(plainLogits.getGradient().toFloatArray(), logits.getGradient().toFloatArray());
        }
    }

    @Test
    void ignoredRowsGetNoGradient() {
        int[] targets = {CrossEntropy.IGNORE_INDEX, 2, CrossEntropy.IGNORE_INDEX, 0};
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = logits(manager);
            logits.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(CrossEntropy.mean(logits, manager.create(targets)));
            }
            float[] gradient = logits.getGradient().toFloatArray();
            // d mean / d logit = (softmax - onehot) / counted, counted = 2
            for (int i = 0; i < LOGITS.length; i++) {
                float[] expected = new float[3];
                if (targets[i] != CrossEntropy.IGNORE_INDEX) {
                    for (int c = 0; c < 3; c++) {
                        double p = Math.exp(-nll(LOGITS[i], c));
                        expected[c] = (float) ((p - (c == targets[i] ? 1 : 0)) / 2);
                    }
                }
                float[] row = new float[3];
                System.arraycopy(gradient, i * 3, row, 0, 3);
                assertArrayEquals(expected, row, 1e-6f, "row " + i);
            }
        }
    }

    @Test
    void allIgnoredIsZeroNotNaN() {
        int[] targets = {CrossEntropy.IGNORE_INDEX, CrossEntropy.IGNORE_INDEX, CrossEntropy.IGNORE_INDEX,
                CrossEntropy.IGNORE_INDEX};
        try (NDManager manager = NDManager.newBaseManager()) {
            assertEquals(0f, CrossEntropy.mean(logits(manager), manager.create(targets)).getFloat(), 0f);
        }
    }
}
