package dev.llmmesh.mesh;

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
 */
public record Progress(long done, long total, String unit, String stage, double perSecond, Long etaSeconds,
                       Map<String, Double> metrics) {
    public Progress {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }

    public double fraction() {
        return total <= 0 ? 0 : Math.min(1.0, (double) done / total);
    }
}
