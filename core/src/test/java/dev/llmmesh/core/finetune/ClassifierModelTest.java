package dev.llmmesh.core.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.List;

import static dev.llmmesh.core.finetune.FinetuneTesting.LABELS;
import static dev.llmmesh.core.finetune.FinetuneTesting.SMALL;
import static dev.llmmesh.core.finetune.FinetuneTesting.classifier;
import static dev.llmmesh.core.finetune.FinetuneTesting.maxAbsDiff;
import static dev.llmmesh.core.finetune.FinetuneTesting.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierModelTest {

    @ParameterizedTest
    @EnumSource(Pooling.class)
    void logitsAreTheHeadAppliedToThePooledRealPositions(Pooling pooling) {
        try (ClassifierModel model = classifier(3, pooling); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertEquals(pooling, model.pooling());
            int[] lengths = {5, 9, 1};
            long[] ids = new long[3 * 9];
            int[] random = tokens(ids.length, SMALL.vocabSize(), 11);
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random[i];
            }
            NDArray batch = m.create(ids, new Shape(3, 9));
            float[] logits = model.logits(batch, lengths, false).toFloatArray();
            assertEquals(3 * LABELS.size(), logits.length);
            NDArray score = model.parameters().get(ClassifierModel.SCORE);
            for (int b = 0; b < 3; b++) {
                // Each row alone and unpadded: its last state, or the mean of its states, times the head, by hand.
                NDArray row = batch.get(new NDIndex("{}:{}, :{}", b, b + 1, lengths[b]));
                NDArray states = model.base().hidden(row, false).get(new NDIndex("0"));
                NDArray read = switch (pooling) {
                    case LAST -> states.get(new NDIndex("-1, :"));
                    case MEAN -> states.mean(new int[] {0});
                };
                float[] expected = score.matMul(read).toFloatArray();
                float[] actual = Arrays.copyOfRange(logits, b * 3, b * 3 + 3);
                assertTrue(maxAbsDiff(expected, actual) < 1e-5, () -> Arrays.toString(expected) + " vs "
                        + Arrays.toString(actual));
            }
        }
    }

    @Test
    void thePoolingsReadDifferentStates() {
        try (ClassifierModel last = classifier(3, Pooling.LAST); ClassifierModel mean = classifier(3, Pooling.MEAN)) {
            int[] text = tokens(7, SMALL.vocabSize(), 4);
            float[] a = last.classify(List.of(text)).getFirst().probabilities();
            float[] b = mean.classify(List.of(text)).getFirst().probabilities();
            assertTrue(maxAbsDiff(a, b) > 1e-4, () -> Arrays.toString(a) + " vs " + Arrays.toString(b));
        }
    }

    @ParameterizedTest
    @EnumSource(Pooling.class)
    void paddingNeverChangesTheAnswer(Pooling pooling) {
        try (ClassifierModel model = classifier(4, pooling); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int[] text = tokens(6, SMALL.vocabSize(), 5);
            long[] padded = new long[10];
            long[] otherPadding = new long[10];
            for (int t = 0; t < 10; t++) {
                padded[t] = t < 6 ? text[t] : 0;
                otherPadding[t] = t < 6 ? text[t] : 40 + t;
            }
            float[] a = model.logits(m.create(padded, new Shape(1, 10)), new int[] {6}, false).toFloatArray();
            float[] b = model.logits(m.create(otherPadding, new Shape(1, 10)), new int[] {6}, false).toFloatArray();
            float[] unpadded = model.logits(m.create(Arrays.stream(text).asLongStream().toArray(), new Shape(1, 6)),
                    new int[] {6}, false).toFloatArray();
            assertArrayEquals(a, b);
            assertTrue(maxAbsDiff(a, unpadded) < 1e-5, () -> Arrays.toString(a) + " vs " + Arrays.toString(unpadded));
        }
    }

    @ParameterizedTest
    @EnumSource(Pooling.class)
    void classifyTruncatesToTheFirstTokensAndBatchesLikeOneByOne(Pooling pooling) {
        try (ClassifierModel model = classifier(5, pooling)) {
            int[] longText = tokens(15, SMALL.vocabSize(), 1);
            int[] shortText = tokens(4, SMALL.vocabSize(), 2);
            List<Classified> both = model.classify(List.of(longText, shortText));
            assertEquals(2, both.size());
            Classified truncated = both.get(0);
            assertEquals(12, truncated.tokens());
            assertTrue(truncated.truncated());
            assertEquals(4, both.get(1).tokens());
            assertFalse(both.get(1).truncated());
            // the first 12 tokens are what was read: classifying exactly them gives the same answer
            Classified first12 = model.classify(List.<int[]>of(Arrays.copyOf(longText, 12))).getFirst();
            assertFalse(first12.truncated());
            assertTrue(maxAbsDiff(first12.probabilities(), truncated.probabilities()) < 1e-6);
            Classified alone = model.classify(List.<int[]>of(shortText)).getFirst();
            assertTrue(maxAbsDiff(alone.probabilities(), both.get(1).probabilities()) < 1e-6);
            for (Classified c : both) {
                double sum = 0;
                for (float p : c.probabilities()) {
                    sum += p;
                }
                assertEquals(1.0, sum, 1e-5);
                assertEquals(ClassifierModel.argmax(c.probabilities()), c.label());
            }
        }
    }

    @Test
    void headTailClassifiesTheFirstAndLastSixOfTwelve() {
        try (ClassifierModel model = classifier(5, Pooling.MEAN, Truncation.HEAD_TAIL)) {
            int[] longText = tokens(15, SMALL.vocabSize(), 1);
            Classified read = model.classify(List.<int[]>of(longText)).getFirst();
            assertEquals(12, read.tokens());
            assertTrue(read.truncated());
            int[] kept = new int[12];
            System.arraycopy(longText, 0, kept, 0, 6);
            System.arraycopy(longText, 9, kept, 6, 6);
            Classified exactly = model.classify(List.<int[]>of(kept)).getFirst();
            assertFalse(exactly.truncated());
            assertTrue(maxAbsDiff(exactly.probabilities(), read.probabilities()) < 1e-6);
            Classified head = model.classify(List.<int[]>of(Arrays.copyOf(longText, 12))).getFirst();
            assertTrue(maxAbsDiff(head.probabilities(), read.probabilities()) > 1e-4,
                    "the first 12 tokens are not what head-tail reads");
        }
    }

    @Test
    void poolingNamesItsChoices() {
        assertEquals(Pooling.MEAN, Pooling.of("mean"));
        assertEquals(Pooling.LAST, Pooling.of("last"));
        assertEquals(Pooling.LAST, Pooling.DEFAULT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pooling.of("max"));
        assertEquals("pooling must be one of last, mean; got 'max'", e.getMessage());
    }

    @Test
    void classifyRefusesEmptyInputsAndForeignTokens() {
        try (ClassifierModel model = classifier(6)) {
            assertEquals(List.of(), model.classify(List.of()));
            assertThrows(IllegalArgumentException.class, () -> model.classify(List.of(new int[0])));
            assertThrows(IllegalArgumentException.class, () -> model.classify(List.<int[]>of(new int[] {1, 53})));
        }
    }

    @Test
    void theHeadIsSeededNormalWithStd002() {
        try (ClassifierModel a = classifier(7); ClassifierModel b = classifier(7); ClassifierModel c = classifier(8)) {
            float[] headA = a.parameters().get(ClassifierModel.SCORE).toFloatArray();
            assertArrayEquals(headA, b.parameters().get(ClassifierModel.SCORE).toFloatArray());
            assertFalse(Arrays.equals(headA, c.parameters().get(ClassifierModel.SCORE).toFloatArray()));
            double sumSquares = 0;
            for (float w : headA) {
                sumSquares += w * w;
            }
            // 72 draws: the sample std of normal(0, 0.02) lies within a third of 0.02 all but astronomically rarely
            assertEquals(0.02, Math.sqrt(sumSquares / headA.length), 0.007);
            assertEquals(List.of(1L * LABELS.size(), (long) SMALL.embedDim()),
                    Arrays.stream(a.parameters().get(ClassifierModel.SCORE).getShape().getShape()).boxed().toList());
            assertEquals(SMALL.layers() * 12 + 4 + 1, a.parameters().size());
            assertEquals(ClassifierModel.SCORE, a.parameters().lastEntry().getKey());
        }
    }

    @Test
    void refusesBadLabelsAndLengths() {
        try (GptModel base = GptModel.initialize(SMALL, Device.cpu(), 1)) {
            assertThrows(IllegalArgumentException.class, () -> ClassifierModel.fromBase(base, List.of("one"), 8, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> ClassifierModel.fromBase(base, List.of("a", "a"), 8, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> ClassifierModel.fromBase(base, List.of("a", "b"), 17, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> ClassifierModel.fromBase(base, List.of("a", "b"), 0, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> ClassifierModel.fromBase(base, List.of("a", "b"), 8, 53, Pooling.DEFAULT,
                            Truncation.DEFAULT, 1));
        }
    }
}
