package dev.llmmesh.mesh;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far a running job is.
 *
 * @param done       units finished
 * @param total      units in all
 * @param unit       what a unit is ("shards", "merges", "steps")
 * @param stage      a short label of the current phase
 * @param perSecond  recent rate in units per second
 * @param etaSeconds estimated seconds left, null when unknown
 * @param metrics    job-specific numbers (loss, tokens/s, ...)
 * @param details    job-specific things to look at that are not numbers (a fine-tune's best and worst validation
 *                   predictions); null when the job has none
 */
public record Progress(long done, long total, String unit, String stage, double perSecond, Long etaSeconds,
                       Map<String, Double> metrics, Map<String, Object> details) {
    public Progress {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        details = details == null || details.isEmpty() ? null : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public Progress(long done, long total, String unit, String stage, double perSecond, Long etaSeconds,
                    Map<String, Double> metrics) {
        this(done, total, unit, stage, perSecond, etaSeconds, metrics, null);
    }

    public double fraction() {
        return total <= 0 ? 0 : Math.min(1.0, (double) done / total);
    }
}
