package dev.llmmesh.trainer.jobs;

import dev.llmmesh.core.eval.ClassificationMetrics;
import dev.llmmesh.core.finetune.FinetuneResult;
import dev.llmmesh.core.finetune.Prediction;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FinetuneSummaryTest {
    private static final List<String> LABELS = List.of("ham", "spam");

    private static Prediction prediction(String text, int gold, float spam) {
        return new Prediction(text, gold, spam > 0.5f ? 1 : 0, new float[] {1 - spam, spam});
    }

    @Test
    void theResultHoldsTheTestFiguresAndTheMostConfidentlyWrongFirst() {
        List<Prediction> test = List.of(prediction("cheap pills", 1, 0.9f), prediction("lunch?", 0, 0.2f),
                prediction("you won", 1, 0.3f), prediction("invoice", 0, 0.95f), prediction("meeting", 0, 0.6f));
        List<Prediction> validation = List.of(prediction("a", 0, 0.1f), prediction("b", 1, 0.8f));
        ClassificationMetrics baseline = ClassificationMetrics.of(LABELS, new int[] {1, 0, 1, 0, 0},
                new int[] {1, 0, 1, 0, 1});
        var run = new FinetuneSummary.Run("clf", "models/clf/", LABELS, "last-block", "last", "head", 64, 1000,
                100, Map.of("test", "d-test"), 20, 2, 5);
        FinetuneResult training = new FinetuneResult(3, 30, false, false, 2, 0.4, false, List.of(), null);

        FinetuneSummary summary = FinetuneSummary.of(run, training, validation, test, baseline);

        assertEquals(0.4, summary.metrics().get("testAccuracy"), 1e-12);
        assertEquals(0.8, summary.metrics().get("baselineAccuracy"), 1e-12);
        assertEquals(1.0, summary.metrics().get("validationAccuracy"), 1e-12);
        assertEquals(100.0, summary.metrics().get("trainableParameters"));
        double loss = -(Math.log(0.9f) + Math.log(0.8f) + Math.log(0.3f) + Math.log(0.05f) + Math.log(0.4f)) / 5;
        assertEquals(loss, summary.metrics().get("testLoss"), 1e-6);
        // gold rows x predicted columns: ham 1 right, 2 called spam; spam 1 right, 1 called ham
        assertArrayEquals(new long[][] {{1, 2}, {1, 1}}, (long[][]) summary.result().get("confusion"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> wrong = (List<Map<String, Object>>) summary.result().get("misclassified");
        assertEquals(List.of("invoice", "you won", "meeting"), wrong.stream().map(m -> m.get("text")).toList());
        assertTrue(summary.message().contains("test accuracy 0.4000") && summary.message().contains("0.8000"),
                summary.message());
    }

    @Test
    void cutNeverSplitsASurrogatePair() {
        assertEquals("ab…", FinetuneSummary.cut("abcdef", 2));
        assertEquals("a…", FinetuneSummary.cut("a😀b", 2));
        assertEquals("short", FinetuneSummary.cut("short", 10));
    }
}
