package dev.llmmesh.core.finetune;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NaiveBayesBaselineTest {

    /**
     * Manning, Raghavan &amp; Schütze, Introduction to Information Retrieval, Example 13.1 (table 13.1): four training
     * documents, class "China" (0) or not (1); the test document "Chinese Chinese Chinese Tokyo Japan". The book
     * works it by hand: priors 3/4 and 1/4; P(Chinese|c) = (5+1)/(8+6) = 3/7, P(Tokyo|c) = P(Japan|c) = 1/14;
     * P(Chinese|not c) = P(Tokyo|not c) = P(Japan|not c) = (1+1)/(3+6) = 2/9; so
     * P(c|d5) ∝ 3/4 · (3/7)^3 · 1/14 · 1/14 ≈ 0.0003 and P(not c|d5) ∝ 1/4 · (2/9)^3 · 2/9 · 2/9 ≈ 0.0001: China.
     */
    @Test
    void reproducesTheIntroductionToInformationRetrievalExample() {
        NaiveBayesBaseline nb = NaiveBayesBaseline.train(
                List.of("Chinese Beijing Chinese", "Chinese Chinese Shanghai", "Chinese Macao", "Tokyo Japan Chinese"),
                new int[] {0, 0, 0, 1}, 2);
        assertEquals(6, nb.vocabularySize());
        String test = "Chinese Chinese Chinese Tokyo Japan";
        double[] scores = nb.scores(test);
        double china = Math.log(3.0 / 4) + 3 * Math.log(3.0 / 7) + 2 * Math.log(1.0 / 14);
        double notChina = Math.log(1.0 / 4) + 5 * Math.log(2.0 / 9);
        assertArrayEquals(new double[] {china, notChina}, scores, 1e-12);
        assertEquals(0.0003, Math.exp(china), 0.00005);
        assertEquals(0.0001, Math.exp(notChina), 0.00005);
        assertEquals(0, nb.predict(test));
        assertEquals(1, nb.predict("Tokyo Japan"));
    }

    @Test
    void lowerCasesIgnoresUnknownWordsAndSplitsOnNonLetters() {
        NaiveBayesBaseline nb = NaiveBayesBaseline.train(List.of("WIN money now!", "lunch at noon?"),
                new int[] {1, 0}, 2);
        assertEquals(List.of("win", "money", "now", "don't", "42"),
                NaiveBayesBaseline.words("WIN, money... now! Don't 42"));
        assertEquals(1, nb.predict("win Win WIN"));
        assertEquals(0, nb.predict("Lunch"));
        // no known word: the priors decide (equal here), so the lowest class
        assertArrayEquals(nb.scores(""), nb.scores("zebra quagga"), 0);
    }

    @Test
    void refusesMismatchedInput() {
        assertThrows(IllegalArgumentException.class,
                () -> NaiveBayesBaseline.train(List.of("a"), new int[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> NaiveBayesBaseline.train(List.of("a"), new int[] {2}, 2));
        assertThrows(IllegalArgumentException.class, () -> NaiveBayesBaseline.train(List.of(), new int[0], 2));
    }
}
