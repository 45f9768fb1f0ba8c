package dev.llmmesh.core.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassificationDataTest {
    private static final List<String> LABELS = List.of("ham", "spam");
    private static final List<ClassificationData.Example> EXAMPLES = List.of(
            new ClassificationData.Example("abc", 0),
            new ClassificationData.Example("hello world", 1),
            new ClassificationData.Example("z", 1));

    @Test
    void truncatesKeepingTheFirstTokens() {
        ClassificationData data = ClassificationData.of(EXAMPLES, LABELS, new LetterTokenizer(true), 5);
        assertArrayEquals(new int[] {8, 5, 12, 12, 15}, data.tokens(1));
        assertTrue(data.truncated(1));
        assertArrayEquals(new int[] {1, 2, 3}, data.tokens(0));
        assertFalse(data.truncated(0));
        assertEquals(5, data.maxLength());
        assertArrayEquals(new int[] {0, 1, 1}, data.goldLabels());
        assertArrayEquals(new int[] {1, 2}, data.labelCounts());
    }

    @Test
    void headTailKeepsTheFirstAndTheLastTokens() {
        ClassificationData data = ClassificationData.of(EXAMPLES, LABELS, new LetterTokenizer(true), 5,
                Truncation.HEAD_TAIL);
        // "hello world": "hel" and "ld"
        assertArrayEquals(new int[] {8, 5, 12, 12, 4}, data.tokens(1));
        assertTrue(data.truncated(1));
        assertArrayEquals(new int[] {1, 2, 3}, data.tokens(0));
        assertFalse(data.truncated(0));
    }

    @Test
    void batchesAreRightPaddedWithEndOfTextOrZero() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ClassificationData data = ClassificationData.of(EXAMPLES, LABELS, new LetterTokenizer(true), 5);
            assertEquals(52, data.padTokenId());
            ClassificationData.Batch batch = data.batch(m, new int[] {2, 0});
            assertArrayEquals(new long[] {2, 3}, batch.ids().getShape().getShape());
            assertArrayEquals(new long[] {26, 52, 52, 1, 2, 3}, batch.ids().toLongArray());
            assertArrayEquals(new int[] {1, 3}, batch.lengths());
            assertArrayEquals(new long[] {1, 0}, batch.labels().toLongArray());
            assertArrayEquals(new int[] {2, 0}, batch.indices());
            ClassificationData plain = ClassificationData.of(EXAMPLES, LABELS, new LetterTokenizer(false), 5);
            assertEquals(0, plain.padTokenId());
            assertArrayEquals(new long[] {26, 0, 0, 1, 2, 3}, plain.batch(m, new int[] {2, 0}).ids().toLongArray());
        }
    }

    @Test
    void longestIsCappedByTheContext() {
        LetterTokenizer tokenizer = new LetterTokenizer(true);
        assertEquals(11, ClassificationData.longest(EXAMPLES, tokenizer, 16));
        assertEquals(8, ClassificationData.longest(EXAMPLES, tokenizer, 8));
    }

    @Test
    void epochOrderIsASeededPermutationPerEpoch() {
        List<ClassificationData.Example> many = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(new ClassificationData.Example("a", i % 2));
        }
        ClassificationData data = ClassificationData.of(many, LABELS, new LetterTokenizer(true), 4);
        int[] first = data.epochOrder(7, 0);
        assertArrayEquals(first, data.epochOrder(7, 0));
        assertFalse(Arrays.equals(first, data.epochOrder(7, 1)));
        assertFalse(Arrays.equals(first, data.epochOrder(8, 0)));
        int[] sorted = first.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        List<int[]> chunks = ClassificationData.chunks(first, 8);
        assertEquals(7, chunks.size());
        assertEquals(2, chunks.getLast().length);
        assertArrayEquals(Arrays.copyOfRange(first, 8, 16), chunks.get(1));
    }

    @Test
    void refusesBadLabelsAndEmptyTexts() {
        LetterTokenizer tokenizer = new LetterTokenizer(true);
        assertThrows(IllegalArgumentException.class, () -> ClassificationData.of(
                List.of(new ClassificationData.Example("a", 2)), LABELS, tokenizer, 4));
        assertThrows(IllegalArgumentException.class, () -> ClassificationData.of(
                List.of(new ClassificationData.Example("", 0)), LABELS, tokenizer, 4));
        assertThrows(IllegalArgumentException.class, () -> ClassificationData.of(List.of(), LABELS, tokenizer, 4));
    }
}
