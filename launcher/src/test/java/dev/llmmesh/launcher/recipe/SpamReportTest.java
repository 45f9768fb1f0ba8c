package dev.llmmesh.launcher.recipe;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The closing report from the SUCCEEDED events of three fine-tunes, as the gateway's event stream delivers them
 * (finetune-succeeded-s*.json, in the trainer's result fields: classifier right 190, 192 and 189 of 200 test
 * mails; naive Bayes 96.5%, 97.5% and 97.0%, i.e. 193, 195 and 194).
 */
class SpamReportTest {
    private static List<SeedResult> recorded() throws IOException {
        List<SeedResult> results = new ArrayList<>();
        for (int seed = 1; seed <= 3; seed++) {
            results.add(SeedResult.from(seed, event(seed).result(), Duration.ofSeconds(100 + seed)));
        }
        return results;
    }

    private static JobEvent event(int seed) throws IOException {
        try (InputStream in = SpamReportTest.class.getResourceAsStream("finetune-succeeded-s" + seed + ".json")) {
            return Json.LENIENT.readValue(in, JobEvent.class);
        }
    }

    @Test
    void aResultIsReadFromTheJobsFields() throws IOException {
        SeedResult s1 = recorded().getFirst();
        assertEquals("spam-abc123-s1", s1.modelId());
        assertEquals(List.of("ham", "spam"), s1.labels());
        assertEquals(190, s1.correct());
        assertEquals(200, s1.total());
        assertEquals(193, s1.baselineCorrect());
        assertEquals(2, s1.bestEpoch());
        assertEquals(2, s1.misclassified().size());
        assertEquals("spam", s1.misclassified().get(1).gold());
        assertEquals("ham", s1.misclassified().get(1).predicted());
        assertEquals(0.62, s1.misclassified().get(1).probabilities().get("ham"), 1e-12);
    }

    /** Expected values from make_expected.py beside the recorded events (Wilson's formula, written apart). */
    @Test
    void seedsArePooledIntoOneWilsonInterval() throws IOException {
        SpamReport.Pooled p = SpamReport.pool(recorded());
        assertEquals(571, p.correct());
        assertEquals(600, p.total());
        assertEquals((0.95 + 0.96 + 0.945) / 3, p.accuracy(), 1e-12);
        assertEquals(0.9314474971, p.interval().low(), 1e-9);
        assertEquals(0.9661390996, p.interval().high(), 1e-9);
        assertEquals(582, p.baselineCorrect());
        assertEquals(0.9530792577, p.baselineInterval().low(), 1e-9);
        assertEquals(0.9809407434, p.baselineInterval().high(), 1e-9);
    }

    /**
     * The same pooling worked by hand for 4 of 5 and 5 of 5 right, 9 of 10 pooled (p = 0.9; z = 1.959964,
     * z^2 = 3.841459): denominator 1 + z^2/10 = 1.3841459; centre (0.9 + z^2/20) / 1.3841459 = 1.0920729 /
     * 1.3841459 = 0.7889869; half z / 1.3841459 * sqrt(0.9 * 0.1 / 10 + z^2 / 400) = 1.4160097 * sqrt(0.009 +
     * 0.0096036) = 1.4160097 * 0.1363952 = 0.1931369; so [0.5958500, 0.9821238]. (Not the mean of the two seeds'
     * own intervals, [0.3755, 0.9638] and [0.5655, 1.0].)
     */
    @Test
    void wilsonMatchesAHandComputation() {
        var four = SeedResult.from(1, result(List.of(List.of(4, 1), List.of(0, 0)), 0.8), Duration.ZERO);
        var five = SeedResult.from(2, result(List.of(List.of(3, 0), List.of(0, 2)), 1.0), Duration.ZERO);
        SpamReport.Pooled p = SpamReport.pool(List.of(four, five));
        assertEquals(9, p.correct());
        assertEquals(10, p.total());
        assertEquals(0.5958500, p.interval().low(), 1e-6);
        assertEquals(0.9821238, p.interval().high(), 1e-6);
    }

    @Test
    void losingToTheBaselineIsNotTheGoal() throws IOException {
        List<String> lines = SpamReport.accuracy(recorded());
        assertTrue(lines.get(2).matches("\\s+1\\s+spam-abc123-s1\\s+95\\.00%\\s+96\\.50%\\s+200\\s+best 2/3"), lines.get(2));
        assertTrue(lines.get(5).matches("\\s+mean\\s+95\\.17%\\s+97\\.00%\\s+600"), lines.get(5));
        assertEquals("  95% Wilson interval over the 600 pooled test predictions: classifier [93.14%, 96.61%] "
                + "(571 right), naive Bayes [95.31%, 98.09%] (582 right)", lines.get(6));
        assertEquals("  goal (mean >= 95% and ahead of naive Bayes): NOT MET: naive Bayes scores 97.00%, the "
                + "classifier 95.17%", lines.get(7));
    }

    @Test
    void aheadOfTheBaselineAndOver95IsTheGoal() {
        var good = SeedResult.from(1, result(List.of(List.of(99, 1), List.of(2, 98)), 0.97), Duration.ZERO);
        SpamReport.Pooled p = SpamReport.pool(List.of(good));
        assertTrue(p.goalMet());
        assertEquals("MET, 1.50 points ahead of the baseline", SpamReport.verdict(p));
        var under = SeedResult.from(1, result(List.of(List.of(90, 10), List.of(2, 98)), 0.90), Duration.ZERO);
        assertEquals("NOT MET: 94.00% is under 95%", SpamReport.verdict(SpamReport.pool(List.of(under))));
    }

    @Test
    void confusionIsSummedOverSeeds() throws IOException {
        List<String> lines = SpamReport.confusion(recorded());
        assertTrue(lines.get(1).matches("\\s+ham\\s+spam"), lines.get(1));
        assertTrue(lines.get(2).matches("\\s+ham\\s+288\\s+12"), lines.get(2));
        assertTrue(lines.get(3).matches("\\s+spam\\s+17\\s+283"), lines.get(3));
    }

    @Test
    void misclassifiedMailsComeFromEverySeedOnOneLine() throws IOException {
        List<String> lines = SpamReport.misclassified(recorded(), 3);
        assertEquals("Misclassified test mails (of 29, a few)", lines.getFirst());
        assertEquals("  seed 1: ham read as spam (ham 0.69, spam 0.31)", lines.get(1));
        assertEquals("    \"Subject: Re: [ILUG] Cheap flights Anyone know a good site for cheap flights to Boston? "
                + "Thanks\"", lines.get(2));
        assertTrue(lines.get(3).startsWith("  seed 2: "), lines.get(3));
        assertTrue(lines.get(5).startsWith("  seed 3: "), lines.get(5));
        assertEquals(7, lines.size());
    }

    @Test
    void phasesAddUpAndCurlNamesTheModel() {
        Map<String, Duration> phases = new LinkedHashMap<>();
        phases.put("base model (reused)", Duration.ofMillis(400));
        phases.put("fine-tune seed 1", Duration.ofSeconds(305));
        List<String> lines = SpamReport.phases(phases);
        assertTrue(lines.get(1).matches("\\s+base model \\(reused\\)\\s+0:00"), lines.get(1));
        assertTrue(lines.get(2).matches("\\s+fine-tune seed 1\\s+5:05"), lines.get(2));
        assertTrue(lines.get(3).matches("\\s+total\\s+5:05"), lines.get(3));
        assertEquals("1:02:03", SpamReport.clock(Duration.ofSeconds(3723)));

        List<String> curl = SpamReport.curl(URI.create("http://localhost:8080/"), "spam-abc123-s2", true);
        assertTrue(curl.get(1).contains("bin/llm-mesh up"), curl.get(1));
        assertTrue(curl.get(2).startsWith("  curl -s localhost:8080/v1/classify -H 'Content-Type: application/json' "
                + "-d '{\"model\":\"spam-abc123-s2\",\"input\":["), curl.get(2));
        assertFalse(SpamReport.curl(URI.create("http://localhost:8080/"), "m", false).get(1).contains("up"));
    }

    @Test
    void aResultWithoutItsFiguresSaysWhichIsMissing() {
        Map<String, Object> result = new LinkedHashMap<>(result(List.of(List.of(1, 0), List.of(0, 1)), 1.0));
        result.remove("confusion");
        var e = assertThrows(IllegalStateException.class, () -> SeedResult.from(1, result, Duration.ZERO));
        assertTrue(e.getMessage().contains("'confusion'"), e.getMessage());
    }

    private static Map<String, Object> result(List<List<Integer>> confusion, double baseline) {
        long right = confusion.get(0).get(0) + confusion.get(1).get(1);
        long all = confusion.stream().flatMap(List::stream).mapToLong(Integer::longValue).sum();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("modelId", "m");
        result.put("labels", List.of("ham", "spam"));
        result.put("testAccuracy", (double) right / all);
        result.put("baselineAccuracy", baseline);
        result.put("confusion", confusion);
        return result;
    }
}
