package dev.llmmesh.core.finetune;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TruncationTest {
    private static final int[] TEN = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void headKeepsTheFirstTokens() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, Truncation.HEAD.keep(TEN, 4));
    }

    @Test
    void headTailKeepsBothEndsInOrderTheHeadTakingTheOddToken() {
        assertArrayEquals(new int[] {0, 1, 8, 9}, Truncation.HEAD_TAIL.keep(TEN, 4));
        assertArrayEquals(new int[] {0, 1, 2, 8, 9}, Truncation.HEAD_TAIL.keep(TEN, 5));
        assertArrayEquals(new int[] {0}, Truncation.HEAD_TAIL.keep(TEN, 1));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 6, 7, 8, 9}, Truncation.HEAD_TAIL.keep(TEN, 9));
    }

    @Test
    void aTextThatFitsIsReadWhole() {
        for (Truncation t : Truncation.values()) {
            assertSame(TEN, t.keep(TEN, 10));
            assertSame(TEN, t.keep(TEN, 11));
        }
        assertThrows(IllegalArgumentException.class, () -> Truncation.HEAD.keep(TEN, 0));
    }

    @Test
    void namesItsChoices() {
        assertSame(Truncation.HEAD_TAIL, Truncation.of("head-tail"));
        assertSame(Truncation.HEAD, Truncation.of("head"));
        assertSame(Truncation.HEAD, Truncation.DEFAULT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Truncation.of("tail"));
        assertEquals("truncation must be one of head, head-tail; got 'tail'", e.getMessage());
    }
}
