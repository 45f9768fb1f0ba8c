package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.llmmesh.core.model.ModelTesting.SMALL;
import static dev.llmmesh.core.model.ModelTesting.crossEntropy;
import static dev.llmmesh.core.model.ModelTesting.maxAbsDiff;
import static dev.llmmesh.core.model.ModelTesting.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GptModelTest {

    @Test
    void parametersAreNamedShapedAndCountedLikeTheConfig() {
        GptConfig config = GptConfig.named("tiny");
        try (GptModel model = GptModel.initialize(config, Device.cpu(), 1)) {
            assertEquals(List.copyOf(GptLayout.shapes(config).keySet()), List.copyOf(model.parameters().keySet()));
            GptLayout.shapes(config).forEach((name, shape) -> {
                NDArray p = model.parameters().get(name);
                assertEquals(shape, p.getShape(), name);
                assertEquals(DataType.FLOAT32, p.getDataType(), name);
                assertEquals(name, p.getName());
            });
            assertEquals(config.parameterCount(), model.parameterCount());
            assertEquals(GptLayout.parameterCount(config), model.parameterCount());
        }
    }

    @Test
    void initialisationFollowsGpt2() {
        GptConfig config = GptConfig.named("tiny");
        try (GptModel model = GptModel.initialize(config, Device.cpu(), 7)) {
            Map<String, NDArray> p = model.parameters();
            assertStd(p.get("transformer.wte.weight"), 0.02);
            assertStd(p.get("transformer.wpe.weight"), 0.02);
            assertStd(p.get("transformer.h.0.attn.c_attn.weight"), 0.02);
            assertStd(p.get("transformer.h.1.mlp.c_fc.weight"), 0.02);
            double residual = 0.02 / Math.sqrt(2 * config.layers());
            assertStd(p.get("transformer.h.0.attn.c_proj.weight"), residual);
            assertStd(p.get("transformer.h.1.mlp.c_proj.weight"), residual);
            assertEquals(0f, p.get("transformer.h.0.attn.c_attn.bias").abs().max().getFloat());
            assertEquals(0f, p.get("transformer.h.1.mlp.c_proj.bias").abs().max().getFloat());
            assertEquals(1f, p.get("transformer.h.0.ln_1.weight").min().getFloat());
            assertEquals(1f, p.get("transformer.ln_f.weight").max().getFloat());
            assertEquals(0f, p.get("transformer.ln_f.bias").abs().max().getFloat());
        }
    }

    private static void assertStd(NDArray weight, double expected) {
        double mean = weight.mean().getFloat();
        double std = Math.sqrt(weight.sub(mean).square().mean().getFloat());
        assertEquals(0, mean, expected * 0.05, weight.getName() + " mean");
        assertEquals(expected, std, expected * 0.05, weight.getName() + " std");
    }

    @Test
    void sameSeedGivesTheSameWeights() {
        try (GptModel a = GptModel.initialize(SMALL, Device.cpu(), 42);
             GptModel b = GptModel.initialize(SMALL, Device.cpu(), 42);
             GptModel c = GptModel.initialize(SMALL, Device.cpu(), 43)) {
            a.parameters().forEach((name, p) -> assertTrue(p.contentEquals(b.parameters().get(name)), name));
            assertFalse(a.parameters().get("transformer.wte.weight")
                    .contentEquals(c.parameters().get("transformer.wte.weight")));
        }
    }

    @Test
    void forwardGivesFloatLogitsPerPosition() {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 1);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray logits = model.forward(m.create(tokens(2 * 9, 97, 1), new Shape(2, 9)), false);
            assertEquals(new Shape(2, 9, 97), logits.getShape());
            assertEquals(DataType.FLOAT32, logits.getDataType());
            assertSame(m, logits.getManager());
            assertTrue(Float.isFinite(logits.abs().max().getFloat()));
            // int32 ids work as well as int64
            NDArray fromInts = model.forward(m.create(tokens(2 * 9, 97, 1), new Shape(2, 9)).toType(DataType.INT32,
                    false), false);
            assertEquals(0f, maxAbsDiff(logits, fromInts));
        }
    }

    private static void assertSame(NDManager expected, NDManager actual) {
        assertTrue(expected == actual, "logits should belong to the caller's manager");
    }

    @Test
    void forwardLeavesNothingBehind() {
        try (GptModel model = GptModel.initialize(SMALL.withDropout(0.1), Device.cpu(), 1);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int modelArrays = model.manager().getManagedArrays().size();
            NDArray ids = m.create(tokens(2 * 9, 97, 1), new Shape(2, 9));
            model.forward(ids, true);
            model.forward(ids, false);
            try (KvCache cache = model.newCache(3, 16)) {
                model.forward(ids, cache);
                model.forward(ids.get(":, :1"), cache, new int[] {2, 0}, true);
                // the cache's own arrays (keys and values per layer), in a manager of its own below the model's
                assertEquals(modelArrays + 2 * SMALL.layers(), model.manager().getManagedArrays().size(),
                        "model manager + cache");
            }
            assertEquals(modelArrays, model.manager().getManagedArrays().size(), "model manager");
            // ids, 2 logits, the cached forward's logits, the slice, its logits
            assertEquals(1 + 2 + 1 + 1 + 1, m.getManagedArrays().size(), "caller's manager");
        }
    }

    @Test
    void changingALaterTokenLeavesEarlierLogitsAlone() {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 3);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long[] ids = tokens(16, 97, 5);
            long[] changed = ids.clone();
            changed[10] = (changed[10] + 1) % 97;
            NDArray a = model.forward(m.create(ids, new Shape(1, 16)), false);
            NDArray b = model.forward(m.create(changed, new Shape(1, 16)), false);
            assertTrue(maxAbsDiff(a.get(":, :10"), b.get(":, :10")) < 1e-6f);
            assertTrue(maxAbsDiff(a.get(":, 10:"), b.get(":, 10:")) > 1e-4f);
        }
    }

    @Test
    void dropoutOnlyWhileTraining() {
        try (GptModel model = GptModel.initialize(SMALL.withDropout(0.3), Device.cpu(), 3);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray ids = m.create(tokens(2 * 8, 97, 9), new Shape(2, 8));
            NDArray eval1 = model.forward(ids, false);
            NDArray eval2 = model.forward(ids, false);
            assertEquals(0f, maxAbsDiff(eval1, eval2));
            NDArray train1 = model.forward(ids, true);
            NDArray train2 = model.forward(ids, true);
            assertTrue(maxAbsDiff(train1, train2) > 1e-4f);
            assertTrue(maxAbsDiff(train1, eval1) > 1e-4f);
        }
    }

    @Test
    void cachedDecodingMatchesTheFullSequence() {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 11);
             NDManager m = NDManager.newBaseManager(Device.cpu());
             KvCache cache = model.newCache(2, SMALL.contextLength())) {
            int batch = 2;
            int time = 12;
            long[] ids = tokens(batch * time, 97, 2);
            NDArray all = m.create(ids, new Shape(batch, time));
            NDArray full = model.forward(all, false);

            // a prefill of 5 tokens
            NDArray keys0 = cache.keys(0);
            List<NDArray> pieces = new ArrayList<>(List.of(model.forward(all.get(":, :5"), cache)));
            assertEquals(SMALL.layers(), cache.layers());
            assertEquals(5, cache.length(0));
            assertEquals(5, cache.length(1));
            assertEquals(new Shape(batch, SMALL.heads(), SMALL.contextLength(), SMALL.headDim()),
                    cache.keys(0).getShape());
            assertTrue(keys0 == cache.keys(0), "written in place, not replaced");
            assertTrue(cache.keys(0).get(":, :, :5").abs().sum().getFloat() > 0, "the prefill's keys are there");
            assertEquals(0f, cache.keys(0).get(":, :, 5:").abs().sum().getFloat(), "nothing past the filled prefix");
            // then a chunk of 3 on top of the cache (a masked step with a past), then one token at a time
            for (int t = 5; t < time; t += t == 5 ? 3 : 1) {
                pieces.add(model.forward(all.get(new NDIndex(":, {}:{}", t, t == 5 ? t + 3 : t + 1)), cache));
            }
            assertEquals(time, cache.length(0));
            NDArray cached = NDArrays.concat(new NDList(pieces), 1);
            assertTrue(maxAbsDiff(full, cached) < 1e-4f, "max diff " + maxAbsDiff(full, cached));

            // 12 cached + 21 new positions do not fit a context of 32
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(m.create(tokens(2 * 21, 97, 1), new Shape(2, 21)), cache));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
            assertEquals(time, cache.length(0), "a refused forward leaves the lengths alone");
        }
    }

    @Test
    void rowsAtDifferentPositionsInOneForwardMatchTheirOwnSequences() {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 17);
             NDManager m = NDManager.newBaseManager(Device.cpu());
             KvCache cache = model.newCache(4, 20)) {
            long[] a = tokens(9, 97, 3);
            long[] b = tokens(4, 97, 4);
            // a in slot 3, b in slot 1 (not consecutive, in reverse order), prefilled one at a time
            model.forward(m.create(java.util.Arrays.copyOf(a, 7), new Shape(1, 7)), cache, new int[] {3}, true);
            model.forward(m.create(java.util.Arrays.copyOf(b, 2), new Shape(1, 2)), cache, new int[] {1}, true);
            // then both go on together, at positions 7 and 2, one token each, and then two each
            NDArray step1 = model.forward(m.create(new long[] {a[7], b[2]}, new Shape(2, 1)), cache,
                    new int[] {3, 1}, false);
            assertEquals(8, cache.length(3));
            assertEquals(3, cache.length(1));
            NDArray fullA = model.forward(m.create(java.util.Arrays.copyOf(a, 8), new Shape(1, 8)), false);
            NDArray fullB = model.forward(m.create(java.util.Arrays.copyOf(b, 3), new Shape(1, 3)), false);
            assertTrue(maxAbsDiff(step1.get("0, 0"), fullA.get("0, 7")) < 1e-4f);
            assertTrue(maxAbsDiff(step1.get("1, 0"), fullB.get("0, 2")) < 1e-4f);
            NDArray step2 = model.forward(m.create(new long[] {b[3], 5, a[8], 6}, new Shape(2, 2)), cache,
                    new int[] {1, 3}, false);
            long[] bMore = {b[0], b[1], b[2], b[3], 5};
            long[] aMore = {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], 6};
            NDArray fullB2 = model.forward(m.create(bMore, new Shape(1, 5)), false);
            NDArray fullA2 = model.forward(m.create(aMore, new Shape(1, 10)), false);
            assertTrue(maxAbsDiff(step2.get("0"), fullB2.get("0, 3:5")) < 1e-4f);
            assertTrue(maxAbsDiff(step2.get("1"), fullA2.get("0, 8:10")) < 1e-4f);
            assertThrows(IllegalArgumentException.class,
                    () -> model.forward(m.create(new long[] {1, 2}, new Shape(2, 1)), cache, new int[] {1, 1}, false));
        }
    }

    @Test
    void slotsCanBeClearedCopiedAndReordered() {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 19);
             NDManager m = NDManager.newBaseManager(Device.cpu());
             KvCache cache = model.newCache(3, 16)) {
            long[] p = tokens(6, 97, 8);
            long[] q = tokens(3, 97, 9);
            model.forward(m.create(p, new Shape(1, 6)), cache, new int[] {0}, true);
            model.forward(m.create(q, new Shape(1, 3)), cache, new int[] {1}, true);
            cache.copySlot(0, 2);
            assertEquals(6, cache.length(2));
            NDArray fromCopy = model.forward(m.create(new long[] {4}, new Shape(1, 1)), cache, new int[] {2}, false);
            NDArray reference = model.forward(m.create(new long[] {4}, new Shape(1, 1)), cache, new int[] {0}, false);
            assertEquals(0f, maxAbsDiff(fromCopy, reference));
            // slot 0 takes slot 1's sequence and slot 1 takes slot 0's
            cache.reorder(new int[] {1, 0});
            assertEquals(3, cache.length(0));
            assertEquals(7, cache.length(1));
            NDArray afterQ = model.forward(m.create(new long[] {5}, new Shape(1, 1)), cache, new int[] {0}, false);
            NDArray fullQ = model.forward(m.create(new long[] {q[0], q[1], q[2], 5}, new Shape(1, 4)), false);
            assertTrue(maxAbsDiff(afterQ.get("0, 0"), fullQ.get("0, 3")) < 1e-4f);
            cache.clear(1);
            assertEquals(0, cache.length(1));
            NDArray fresh = model.forward(m.create(q, new Shape(1, 3)), cache, new int[] {1}, false);
            assertTrue(maxAbsDiff(fresh, model.forward(m.create(q, new Shape(1, 3)), false)) < 1e-4f,
                    "stale entries of a cleared slot stay hidden");
        }
    }

    @Test
    void sequencesLongerThanTheContextOrIdsOutsideTheVocabularyAreRefused() {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 1);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray ids = m.zeros(new Shape(1, SMALL.contextLength() + 1), DataType.INT64);
            assertThrows(IllegalArgumentException.class, () -> model.forward(ids, false));
            NDArray outOfVocabulary = m.create(new long[] {1, 97}, new Shape(1, 2));
            assertThrows(RuntimeException.class, () -> model.forward(outOfVocabulary, false));
            NDArray fits = m.zeros(new Shape(1, SMALL.contextLength()), DataType.INT64);
            assertEquals(SMALL.contextLength(), model.forward(fits, false).getShape().get(1));
        }
    }

    @Test
    void gradientsReachEveryParameter() {
        GptConfig config = GptConfig.named("tiny").withDropout(0.1);
        try (GptModel model = GptModel.initialize(config, Device.cpu(), 5);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            NDArray input = m.create(tokens(2 * 16, config.vocabSize(), 1), new Shape(2, 16));
            NDArray target = m.create(tokens(2 * 16, config.vocabSize(), 2), new Shape(2, 16));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(crossEntropy(model.forward(input, true), target));
            }
            try (NDManager scope = m.newSubManager()) {
                for (Map.Entry<String, NDArray> entry : model.parameters().entrySet()) {
                    NDArray grad = entry.getValue().getGradient();
                    grad.attach(scope);
                    assertEquals(entry.getValue().getShape(), grad.getShape(), entry.getKey());
                    float norm = grad.abs().sum().getFloat();
                    assertTrue(norm > 0 && Float.isFinite(norm), entry.getKey() + " gradient " + norm);
                }
            }
        }
    }

    @Test
    void plainSgdOverfitsOneBatch() {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 5);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<NDArray> params = List.copyOf(model.parameters().values());
            params.forEach(p -> p.setRequiresGradient(true));
            long[] sequence = tokens(2 * 17, 97, 3);
            NDArray batch = m.create(sequence, new Shape(2, 17));
            NDArray input = batch.get(":, :16");
            NDArray target = batch.get(":, 1:");
            float first = Float.NaN;
            float last = Float.NaN;
            for (int step = 0; step < 25; step++) {
                try (NDManager scope = m.newSubManager()) {
                    NDArray loss;
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        loss = crossEntropy(model.forward(input, true), target);
                        collector.backward(loss);
                    }
                    last = loss.getFloat();
                    first = step == 0 ? last : first;
                    sgd(params, 0.5f, scope);
                }
            }
            assertTrue(last < first * 0.6f, "loss " + first + " -> " + last);
        }
    }

    /** p -= lr * grad, then grad = 0, outside autograd. */
    private static void sgd(List<NDArray> params, float lr, NDManager scope) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (NDArray p : params) {
                NDArray grad = p.getGradient();
                grad.attach(scope);
                p.subi(grad.mul(lr));
                grad.muli(0);
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
