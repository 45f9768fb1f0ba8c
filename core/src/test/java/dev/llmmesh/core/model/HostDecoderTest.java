package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.llmmesh.core.model.ModelTesting.maxAbsDiff;
import static dev.llmmesh.core.model.ModelTesting.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java decode kernels against libtorch's uncached forward. Widths, head sizes and the vocabulary are no
 * multiples of the SIMD width, so every kernel's scalar tail runs too.
 */
class HostDecoderTest {
    /**
     * 101 tokens, 40 positions, width 42 (126 QKV columns, 168 MLP columns), 2 layers of 2 heads of 21: with 16
     * lanes every kernel has a vector part and a tail.
     */
    private static final GptConfig ODD = new GptConfig(101, 40, 42, 2, 2, 0.0, 1e-5);

    @Test
    void theTestsRunTheJavaKernels() {
        try (GptModel model = GptModel.initialize(ODD, Device.cpu(), 1)) {
            // surefire starts the JVM with --add-modules jdk.incubator.vector; without it this class tests libtorch
            assertTrue(model.decodePath().startsWith("java-vector"), model.decodePath());
        }
    }

    @Test
    void oneTokenStepsOfUpToNineRowsMatchTheFullSequences() {
        try (GptModel model = sharpened(GptModel.initialize(ODD, Device.cpu(), 5));
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // 8 rows is the most the kernels take; 9 goes to libtorch and must agree just the same
            for (int rows : new int[] {1, 3, GptModel.HOST_DECODE_MAX_ROWS, GptModel.HOST_DECODE_MAX_ROWS + 1}) {
                int slotCount = rows + 2;
                try (KvCache cache = model.newCache(slotCount, ODD.contextLength())) {
                    long[][] sequences = new long[rows][];
                    int[] slots = new int[rows];
                    for (int r = 0; r < rows; r++) {
                        // rows in slots in reverse order (not a run), prompts of different lengths, so positions differ per row
                        slots[r] = slotCount - 1 - r;
                        sequences[r] = tokens(3 + r + 12, ODD.vocabSize(), 100 + r);
                        long[] prompt = Arrays.copyOf(sequences[r], 3 + r);
                        model.forward(m.create(prompt, new Shape(1, prompt.length)), cache, new int[] {slots[r]}, true);
                    }
                    for (int step = 0; step < 12; step++) {
                        long[] next = new long[rows];
                        for (int r = 0; r < rows; r++) {
                            next[r] = sequences[r][3 + r + step];
                        }
                        NDArray logits = model.forward(m.create(next, new Shape(rows, 1)), cache, slots, false);
                        assertEquals(new Shape(rows, 1, ODD.vocabSize()), logits.getShape());
                        for (int r = 0; r < rows; r++) {
                            int length = 3 + r + step + 1;
                            assertEquals(length, cache.length(slots[r]));
                            NDArray full = model.forward(m.create(Arrays.copyOf(sequences[r], length),
                                    new Shape(1, length)), false);
                            float diff = maxAbsDiff(logits.get(new NDIndex("{}, 0", r)),
                                    full.get(new NDIndex("0, {}", length - 1)));
                            assertTrue(diff < 1e-4f, rows + " rows, step " + step + ", row " + r + ": " + diff);
                        }
                    }
                }
            }
        }
    }

    @Test
    void stepsOnTheKernelsAndPrefillsOnLibtorchShareTheCache() {
        try (GptModel model = sharpened(GptModel.initialize(ODD, Device.cpu(), 9));
             NDManager m = NDManager.newBaseManager(Device.cpu());
             KvCache cache = model.newCache(1, ODD.contextLength())) {
            long[] ids = tokens(20, ODD.vocabSize(), 7);
            model.forward(m.create(Arrays.copyOf(ids, 4), new Shape(1, 4)), cache);
            for (int t = 4; t < 10; t++) {
                model.forward(m.create(new long[] {ids[t]}, new Shape(1, 1)), cache);
            }
            // a chunk of several tokens after kernel steps: libtorch reads the keys the kernels wrote
            NDArray chunk = model.forward(m.create(Arrays.copyOfRange(ids, 10, 20), new Shape(1, 10)), cache);
            NDArray full = model.forward(m.create(ids, new Shape(1, 20)), false);
            assertTrue(maxAbsDiff(chunk, full.get(":, 10:")) < 1e-4f);
        }
    }

    @Test
    void nextTokenLogitsAreTheStepsLogitsWithoutArraysAround() {
        try (GptModel model = sharpened(GptModel.initialize(ODD, Device.cpu(), 13));
             NDManager m = NDManager.newBaseManager(Device.cpu());
             KvCache cache = model.newCache(2, ODD.contextLength())) {
            long[] a = tokens(6, ODD.vocabSize(), 21);
            long[] b = tokens(9, ODD.vocabSize(), 22);
            model.forward(m.create(Arrays.copyOf(a, 5), new Shape(1, 5)), cache, new int[] {1}, true);
            model.forward(m.create(Arrays.copyOf(b, 8), new Shape(1, 8)), cache, new int[] {0}, true);
            float[] logits = model.nextTokenLogits(new int[] {(int) a[5], (int) b[8]}, cache, new int[] {1, 0});
            assertEquals(6, cache.length(1));
            assertEquals(9, cache.length(0));
            NDArray fullA = model.forward(m.create(a, new Shape(1, 6)), false);
            NDArray fullB = model.forward(m.create(b, new Shape(1, 9)), false);
            int vocab = ODD.vocabSize();
            assertTrue(maxAbsDiff(m.create(Arrays.copyOfRange(logits, 0, vocab)), fullA.get("0, 5")) < 1e-4f);
            assertTrue(maxAbsDiff(m.create(Arrays.copyOfRange(logits, vocab, 2 * vocab)), fullB.get("0, 8")) < 1e-4f);
        }
    }

    /**
     * Freshly initialised queries and keys are so small that every attention row is close to uniform, which would
     * hide a wrong score or a skipped position; larger ones make the rows peaked.
     */
    private static GptModel sharpened(GptModel model) {
        model.parameters().forEach((name, array) -> {
            if (name.endsWith("attn.c_attn.weight")) {
                array.muli(30);
            }
        });
        return model;
    }

    @Test
    void aTokenOutsideTheVocabularyIsRefusedAndTheSlotStays() {
        try (GptModel model = GptModel.initialize(ODD, Device.cpu(), 2);
             NDManager m = NDManager.newBaseManager(Device.cpu());
             KvCache cache = model.newCache(1, ODD.contextLength())) {
            model.forward(m.create(new long[] {1, 2, 3}, new Shape(1, 3)), cache);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(m.create(new long[] {ODD.vocabSize()}, new Shape(1, 1)), cache));
            assertTrue(e.getMessage().contains("vocabulary of 101"), e.getMessage());
            IllegalArgumentException fromInts = assertThrows(IllegalArgumentException.class,
                    () -> model.nextTokenLogits(new int[] {-1}, cache, new int[] {0}));
            assertTrue(fromInts.getMessage().contains("vocabulary of 101"), fromInts.getMessage());
            assertEquals(3, cache.length(0));
        }
    }
}
