package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.eval.EvalResult.Interval;

import java.util.Map;

/**
 * A task's figures, which become the {@code EvalResult}.
 *
 * @param parameters the settings that shape the figures, defaults filled in (stride, context, ...)
 */
public record TaskOutcome(Map<String, Double> metrics, Map<String, Interval> intervals, long examples, long skipped,
                          Map<String, Object> parameters, String datasetId, JsonNode details) {
}
