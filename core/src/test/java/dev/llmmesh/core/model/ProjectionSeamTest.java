package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.llmmesh.core.model.ModelTesting.maxAbsDiff;
import static dev.llmmesh.core.model.ModelTesting.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A projection other than the plain dense one, wrapped into every block, must change both forward paths the same
 * way: libtorch's cached forward and the Java kernels' decode step. Widths are no multiples of the SIMD width (see
 * {@link HostDecoderTest}), so the kernels' tails run too.
 */
class ProjectionSeamTest {
    private static final GptConfig ODD = new GptConfig(101, 40, 42, 2, 2, 0.0, 1e-5);
    private static final float TOLERANCE = 1e-5f;

    /** What a LoRA adapter computes, test-only: base(x) + scale · (x A) B, with A [in, rank] and B [rank, out]. */
    private static final class LowRankDelta implements Projection {
        private final Projection base;
        private final NDArray a;
        private final NDArray b;
        private final float scale;

        LowRankDelta(Projection base, NDManager manager, int rank, float scale, long seed) {
            this.base = base;
            this.a = random(manager, new Shape(base.in(), rank), seed);
            this.b = random(manager, new Shape(rank, base.out()), seed + 1);
            this.scale = scale;
        }

        private static NDArray random(NDManager manager, Shape shape, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian() * 0.3f;
            }
            return manager.create(values, shape);
        }

        @Override
        public int in() {
            return base.in();
        }

        @Override
        public int out() {
            return base.out();
        }

        @Override
        public NDArray apply(NDArray x, NDManager scope) {
            return base.apply(x, scope).add(x.matMul(a).matMul(b).mul(scale));
        }

        @Override
        public Host host() {
            Host dense = base.host();
            int in = in();
            int out = out();
            int rank = (int) a.getShape().get(1);
            float[] aValues = a.toFloatArray();
            float[] bValues = b.toFloatArray();
            return (x, y, rows, from, to) -> {
                dense.apply(x, y, rows, from, to);
                for (int r = 0; r < rows; r++) {
                    double[] down = new double[rank];
                    for (int i = 0; i < in; i++) {
                        for (int k = 0; k < rank; k++) {
                            down[k] += x[r * in + i] * aValues[i * rank + k];
                        }
                    }
                    for (int j = from; j < to; j++) {
                        double delta = 0;
                        for (int k = 0; k < rank; k++) {
                            delta += down[k] * bValues[k * out + j];
                        }
                        y[r * out + j] += (float) (scale * delta);
                    }
                }
            };
        }
    }

    private static List<String> wrapAll(GptModel model, NDManager adapters) {
        List<String> names = new ArrayList<>();
        model.wrapProjections((name, current) -> {
            names.add(name);
            return new LowRankDelta(current, adapters, 3, 0.5f, names.size());
        });
        return names;
    }

    @Test
    void everyBlockProjectionIsOfferedByItsModulePath() {
        try (GptModel model = GptModel.initialize(ODD, Device.cpu(), 1);
             NDManager adapters = NDManager.newBaseManager(Device.cpu())) {
            assertEquals(List.of("transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj",
                    "transformer.h.0.mlp.c_fc", "transformer.h.0.mlp.c_proj", "transformer.h.1.attn.c_attn",
                    "transformer.h.1.attn.c_proj", "transformer.h.1.mlp.c_fc", "transformer.h.1.mlp.c_proj"),
                    wrapAll(model, adapters));
            List<Projection> seen = new ArrayList<>();
            model.wrapProjections((name, current) -> {
                seen.add(current);
                return current;
            });
            assertTrue(seen.stream().allMatch(p -> p instanceof LowRankDelta), "the wrapped ones are what runs now");
        }
    }

    @Test
    void aDenseProjectionHoldsTheModelsOwnParameters() {
        try (GptModel model = GptModel.initialize(ODD, Device.cpu(), 1)) {
            model.wrapProjections((name, current) -> {
                DenseProjection dense = (DenseProjection) current;
                assertSame(model.parameters().get(name + ".weight"), dense.weight());
                assertSame(model.parameters().get(name + ".bias"), dense.bias());
                return current;
            });
        }
    }

    @Test
    void aReplacementOfAnotherWidthIsRefused() {
        try (GptModel model = GptModel.initialize(ODD, Device.cpu(), 1);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Projection narrow = new DenseProjection(m.zeros(new Shape(42, 10)), m.zeros(new Shape(10)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.wrapProjections((name, current) -> narrow));
            assertTrue(e.getMessage().contains("transformer.h.0.attn.c_attn") && e.getMessage().contains("126"),
                    e.getMessage());
        }
    }

    @Test
    void bothPathsApplyTheWrappedProjectionAlike() {
        try (GptModel model = GptModel.initialize(ODD, Device.cpu(), 5);
             NDManager adapters = NDManager.newBaseManager(Device.cpu());
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // Without the Java kernels both caches would run on libtorch and this would compare libtorch with itself.
            assertTrue(model.decodePath().startsWith("java-vector"), model.decodePath());
            long[] probe = tokens(12, ODD.vocabSize(), 3);
            NDArray before = model.forward(m.create(probe, new Shape(1, 12)), false);
            wrapAll(model, adapters);
            NDArray after = model.forward(m.create(probe, new Shape(1, 12)), false);
            float changed = maxAbsDiff(before, after);
            assertTrue(changed > 0.1f, "the delta must show in the logits to be tested at all: " + changed);

            float worst = 0;
            for (int rows : new int[] {1, 3, GptModel.HOST_DECODE_MAX_ROWS}) {
                // libtorch takes a step of more than HOST_DECODE_MAX_ROWS rows: the rows under test plus fillers
                int padded = GptModel.HOST_DECODE_MAX_ROWS + 1;
                try (KvCache onKernels = model.newCache(rows, ODD.contextLength());
                     KvCache onLibtorch = model.newCache(padded, ODD.contextLength())) {
                    long[][] sequences = new long[padded][];
                    int[] hostSlots = new int[rows];
                    int[] torchSlots = new int[padded];
                    for (int r = 0; r < padded; r++) {
                        // slots in reverse order and prompts of different lengths: positions differ per row
                        torchSlots[r] = padded - 1 - r;
                        sequences[r] = tokens(3 + r + 10, ODD.vocabSize(), 100 + r);
                        long[] prompt = Arrays.copyOf(sequences[r], 3 + r);
                        NDArray ids = m.create(prompt, new Shape(1, prompt.length));
                        model.forward(ids, onLibtorch, new int[] {torchSlots[r]}, true);
                        if (r < rows) {
                            hostSlots[r] = rows - 1 - r;
                            model.forward(ids, onKernels, new int[] {hostSlots[r]}, true);
                        }
                    }
                    for (int step = 0; step < 10; step++) {
                        long[] next = new long[padded];
                        for (int r = 0; r < padded; r++) {
                            next[r] = sequences[r][3 + r + step];
                        }
                        NDArray kernels = model.forward(m.create(Arrays.copyOf(next, rows), new Shape(rows, 1)),
                                onKernels, hostSlots, false);
                        NDArray torch = model.forward(m.create(next, new Shape(padded, 1)), onLibtorch, torchSlots,
                                false);
                        float diff = maxAbsDiff(kernels, torch.get(new NDIndex("0:{}", rows)));
                        worst = Math.max(worst, diff);
                        assertTrue(diff < TOLERANCE, rows + " rows, step " + step + ": " + diff);
                    }
                }
            }
            System.out.printf("wrapped projections: kernels vs libtorch cached step, max |diff| %.2e "
                    + "(the delta moved the logits by %.2f)%n", worst, changed);
        }
    }
}
