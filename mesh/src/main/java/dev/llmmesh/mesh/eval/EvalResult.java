package dev.llmmesh.mesh.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Map;

/**
 * A finished evaluation on {@code llm.eval.results} (compacted, key {@link #key()}) and, whole, as
 * {@code evals/{evalId}/summary.json}; its examples are {@link EvalSample}s in {@code evals/{evalId}/samples.jsonl}.
 *
 * @param evalId     the job id of the evaluation
 * @param suite      the suite it ran for when it was automatic ({@code default}); null when a client asked for it
 * @param metrics    the task's figures by name ({@code perplexity}, {@code loss}, {@code accuracy}, {@code bleu}, ...)
 * @param intervals  95% confidence intervals of those figures that have one, by the same names
 * @param examples   examples (windows, rows) scored
 * @param skipped    rows skipped as malformed (counted, never silently dropped)
 * @param parameters what shapes the figures (stride, context, max examples, seed, smoothing, judge model ...)
 * @param details    what is not one number: the confusion matrix, per-class figures, BLEU's signature
 */
public record EvalResult(String type, int schemaVersion, String evalId, String modelId, String suite, EvalTask task,
                         String datasetId, Map<String, Double> metrics, Map<String, Interval> intervals,
                         long examples, long skipped, Map<String, Object> parameters, JsonNode details,
                         Instant createdAt) {
    public static final String TYPE = "eval-result";
    public static final int SCHEMA_VERSION = 1;

    public EvalResult {
        metrics = metrics == null ? Map.of() : metrics;
        intervals = intervals == null ? Map.of() : intervals;
        parameters = parameters == null ? Map.of() : parameters;
    }

    /** The record's key: one automatic figure per model and suite, every requested eval under its own id. */
    public String key() {
        return key(modelId, suite, evalId);
    }

    public static String key(String modelId, String suite, String evalId) {
        return suite == null ? evalId : modelId + "/" + suite;
    }

    public boolean automatic() {
        return suite != null;
    }

    /** A two-sided confidence interval at {@code level} (0.95). */
    public record Interval(double low, double high, double level) {
    }
}
