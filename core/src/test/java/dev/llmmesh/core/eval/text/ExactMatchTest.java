package dev.llmmesh.core.eval.text;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExactMatchTest {
    @Test
    void whitespaceIsAlwaysTrimmedAndCollapsed() {
        assertTrue(ExactMatch.matches("  Paris\n", List.of("Paris"), false, false));
        assertTrue(ExactMatch.matches("New \t York", List.of("New York"), false, false));
        assertFalse(ExactMatch.matches("NewYork", List.of("New York"), false, false));
        assertFalse(ExactMatch.matches("paris", List.of("Paris"), false, false));
    }

    @Test
    void caseAndPunctuationOnlyWhenAsked() {
        assertTrue(ExactMatch.matches("paris", List.of("Paris"), true, false));
        assertFalse(ExactMatch.matches("Paris.", List.of("Paris"), true, false));
        assertTrue(ExactMatch.matches("Paris.", List.of("Paris"), false, true));
        assertTrue(ExactMatch.matches("«Paris» !", List.of("Paris"), false, true), "Unicode punctuation too");
        assertTrue(ExactMatch.matches("a , b", List.of("a b"), false, true), "removed before whitespace collapses");
        assertEquals("314 is pi", ExactMatch.normalize("  $3.14 is PI! ", true, true), "removed, not made a space");
    }

    @Test
    void anyReferenceMayMatch() {
        assertTrue(ExactMatch.matches("NYC", List.of("New York", "NYC"), false, false));
        assertFalse(ExactMatch.matches("LA", List.of("New York", "NYC"), false, false));
        assertFalse(ExactMatch.matches("LA", List.of(), false, false));
    }
}
