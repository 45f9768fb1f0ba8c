package dev.llmmesh.launcher.demo;

import dev.llmmesh.mesh.Progress;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossCurveTest {
    @Test
    void theBarShowsTheLatestLossAndKeepsTheLastValidationLossBetweenPasses() {
        LossCurve curve = new LossCurve();
        assertEquals("", curve.observe(step(0, null, null, null)), "the 'starting' event has no metrics");
        assertEquals("loss 8.300 2,500 tok/s", curve.observe(step(3, 8.3, null, 2500.0)));
        assertEquals("loss 6.100 val 6.400 3,100 tok/s", curve.observe(step(50, 6.1, 6.4, 3100.0)));
        assertEquals("loss 5.900 val 6.400 3,000 tok/s", curve.observe(step(60, 5.9, null, 3000.0)));
    }

    @Test
    void theSummaryComparesFirstAndLastAgainstTheUniformBaseline() {
        LossCurve curve = new LossCurve();
        curve.observe(step(3, 8.3, null, 2500.0));
        curve.observe(step(50, 6.1, 6.4, 3100.0));
        curve.observe(step(100, 5.5, 5.8, 3100.0));
        curve.observe(step(150, 5.0, 5.2, 3100.0));
        List<String> lines = curve.summary(4096);
        assertTrue(lines.get(0).contains("ln 4096 = 8.32"), lines.get(0));
        assertTrue(lines.get(1).matches("\\s+training loss\\s+step\\s+3: 8\\.300\\s+->\\s+step\\s+150: 5\\.000\\s+\\(-3\\.300\\)"),
                lines.get(1));
        assertTrue(lines.get(2).matches("\\s+validation loss\\s+step\\s+50: 6\\.400\\s+->\\s+step\\s+150: 5\\.200\\s+\\(-1\\.200\\)"),
                lines.get(2));
        assertEquals("  validation by step: 50: 6.40, 100: 5.80, 150: 5.20", lines.get(3));
    }

    @Test
    void aLongCurveIsShownAsEightPointsFromFirstToLast() {
        List<LossCurve.Point> points = new java.util.ArrayList<>();
        for (int step = 50; step <= 1000; step += 50) {
            points.add(new LossCurve.Point(step, 10.0 - step / 200.0));
        }
        List<LossCurve.Point> shown = LossCurve.spread(points, 8);
        assertEquals(8, shown.size());
        assertEquals(50, shown.getFirst().step());
        assertEquals(1000, shown.getLast().step());
        assertEquals(points.subList(0, 3), LossCurve.spread(points.subList(0, 3), 8));
    }

    @Test
    void aRunWithoutValidationSaysSo() {
        LossCurve curve = new LossCurve();
        curve.observe(step(1, 8.0, null, null));
        assertTrue(curve.summary(512).get(2).endsWith("not reported"), curve.summary(512).get(2));
    }

    private static Progress step(long step, Double loss, Double validationLoss, Double tokensPerSecond) {
        Map<String, Double> metrics = new HashMap<>();
        if (loss != null) {
            metrics.put("loss", loss);
        }
        if (validationLoss != null) {
            metrics.put("validationLoss", validationLoss);
        }
        if (tokensPerSecond != null) {
            metrics.put("tokensPerSecond", tokensPerSecond);
        }
        return new Progress(step, 300, "steps", "training", 3.0, 90L, metrics);
    }
}
