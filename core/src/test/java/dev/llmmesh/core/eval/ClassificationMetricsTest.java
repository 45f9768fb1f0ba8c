package dev.llmmesh.core.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClassificationMetricsTest {
    private static final List<String> THREE = List.of("class 0", "class 1", "class 2");

    /**
     * scikit-learn's {@code classification_report} docstring example (sklearn/metrics/_classification.py), printed
     * to 2 decimals: class 0 0.50/1.00/0.67 support 1, class 1 0.00/0.00/0.00 support 1, class 2 1.00/0.67/0.80
     * support 3; accuracy 0.60; macro avg 0.50/0.56/0.49; weighted avg 0.70/0.60/0.61.
     */
    @Test
    void classificationReportDocstringExample() {
        ClassificationMetrics m = ClassificationMetrics.of(THREE, new int[]{0, 1, 2, 2, 2}, new int[]{0, 0, 2, 2, 1});
        assertClass(m.classes().get(0), 0.50, 1.00, 0.67, 1);
        assertClass(m.classes().get(1), 0.00, 0.00, 0.00, 1);
        assertClass(m.classes().get(2), 1.00, 0.67, 0.80, 3);
        assertEquals(0.60, m.accuracy(), 0.005);
        assertEquals(0.50, m.macroPrecision(), 0.005);
        assertEquals(0.56, m.macroRecall(), 0.005);
        assertEquals(0.49, m.macroF1(), 0.005);
        assertEquals(0.61, m.weightedF1(), 0.005);
    }

    /**
     * scikit-learn's {@code f1_score} docstring example: macro 0.26..., weighted 0.26..., per class [0.8, 0, 0];
     * and its {@code confusion_matrix} docstring example: [[2, 0, 0], [0, 0, 1], [1, 0, 2]].
     */
    @Test
    void f1ScoreAndConfusionMatrixDocstringExamples() {
        ClassificationMetrics f1 = ClassificationMetrics.of(THREE, new int[]{0, 1, 2, 0, 1, 2},
                new int[]{0, 2, 1, 0, 0, 1});
        assertEquals(0.26666666666666666, f1.macroF1(), 1e-12);
        assertEquals(0.26666666666666666, f1.weightedF1(), 1e-12);
        assertEquals(0.8, f1.classes().get(0).f1(), 1e-12);
        assertEquals(0.0, f1.classes().get(1).f1(), 0);
        assertEquals(0.0, f1.classes().get(2).f1(), 0);
        assertEquals(1 / 3.0, f1.accuracy(), 1e-12);

        ClassificationMetrics cm = ClassificationMetrics.of(THREE, new int[]{2, 0, 2, 2, 0, 1},
                new int[]{0, 0, 2, 2, 0, 2});
        assertArrayEquals(new long[][]{{2, 0, 0}, {0, 0, 1}, {1, 0, 2}}, cm.confusion());
    }

    @Test
    void aHandComputedCaseWithAClassNeverPredictedNorPresent() {
        // labels a, b, c, d; gold a a a b b c; predicted a a b b c c (d appears nowhere)
        // confusion (rows gold): a: [2,1,0,0]; b: [0,1,1,0]; c: [0,0,1,0]; d: [0,0,0,0]
        // a: tp 2, predicted 2, support 3 -> P 1, R 2/3, F1 2*2/(4+0+1) = 0.8
        // b: tp 1, predicted 2, support 2 -> P 1/2, R 1/2, F1 2/(2+1+1) = 0.5
        // c: tp 1, predicted 2, support 1 -> P 1/2, R 1, F1 2/(2+1+0) = 2/3
        // d: nothing: P, R, F1 all 0 (scikit-learn's zero_division default)
        // accuracy 4/6; macro-F1 (0.8 + 0.5 + 0.6667 + 0) / 4 = 0.491667; weighted (0.8*3 + 0.5*2 + 0.6667)/6
        ClassificationMetrics m = ClassificationMetrics.of(List.of("a", "b", "c", "d"),
                new int[]{0, 0, 0, 1, 1, 2}, new int[]{0, 0, 1, 1, 2, 2});
        assertArrayEquals(new long[][]{{2, 1, 0, 0}, {0, 1, 1, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}}, m.confusion());
        assertClass(m.classes().get(0), 1.0, 2 / 3.0, 0.8, 3, 1e-12);
        assertClass(m.classes().get(1), 0.5, 0.5, 0.5, 2, 1e-12);
        assertClass(m.classes().get(2), 0.5, 1.0, 2 / 3.0, 1, 1e-12);
        assertClass(m.classes().get(3), 0, 0, 0, 0, 0);
        assertEquals(4 / 6.0, m.accuracy(), 1e-12);
        assertEquals(4, m.correct());
        assertEquals((0.8 + 0.5 + 2 / 3.0) / 4, m.macroF1(), 1e-12);
        assertEquals((0.8 * 3 + 0.5 * 2 + 2 / 3.0) / 6, m.weightedF1(), 1e-12);
        assertEquals(Intervals.wilson(4, 6), m.accuracyCi());
    }

    @Test
    void badInputNamesTheProblem() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.of(THREE, new int[]{0, 3}, new int[]{0, 1}));
        assertEquals("gold label of example 1 is 3, outside the 3 labels", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.of(THREE, new int[]{0}, new int[0]));
    }

    /** The docstring's figures have 2 decimals. */
    private static void assertClass(ClassificationMetrics.ClassScores c, double precision, double recall, double f1,
                                    long support) {
        assertClass(c, precision, recall, f1, support, 0.005);
    }

    private static void assertClass(ClassificationMetrics.ClassScores c, double precision, double recall, double f1,
                                    long support, double tolerance) {
        assertEquals(precision, c.precision(), tolerance, c.label() + " precision");
        assertEquals(recall, c.recall(), tolerance, c.label() + " recall");
        assertEquals(f1, c.f1(), tolerance, c.label() + " f1");
        assertEquals(support, c.support(), c.label() + " support");
    }
}
