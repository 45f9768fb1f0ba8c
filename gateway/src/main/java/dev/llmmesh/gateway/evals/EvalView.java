package dev.llmmesh.gateway.evals;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.gateway.jobs.JobView;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Progress;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.mesh.jobs.EvalJob;
import io.swagger.v3.oas.annotations.media.Schema;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An evaluation as a client sees it: its figures once finished (the {@link EvalResult} whole), its job's state and
 * progress before that. One shape for both, so a client polls one URL until {@code state} is terminal.
 *
 * @param state      SUCCEEDED once the figures are in; the job's state before (and FAILED or CANCELLED for good)
 * @param suite      the suite of an automatic evaluation ({@code default}); absent for a requested one
 * @param metrics    the task's figures by name; the task's {@code primaryMetric} is among them
 * @param intervals  95% confidence intervals of the figures that have one
 * @param examples   examples scored
 * @param skipped    malformed rows skipped (counted, never silently dropped)
 * @param parameters what shapes the figures (stride, context, max examples, seed, judge model ...)
 * @param details    only on {@code GET /v1/evals/{id}}: what is not one number (confusion matrix, BLEU's signature)
 * @param samples    where its per-example records are, once finished
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvalView(String id, @Schema(example = "eval") String object, JobState state, String modelId,
                       String suite, EvalTask task, String datasetId, Map<String, Double> metrics,
                       Map<String, EvalResult.Interval> intervals, Long examples, Long skipped,
                       Map<String, Object> parameters,
                       @Schema(implementation = Object.class, description = "task-specific: confusion matrix, "
                               + "per-class figures, BLEU's signature ...") JsonNode details,
                       Instant createdAt, Progress progress, String message, String field, String samples) {

    static EvalView finished(EvalResult r, boolean withDetails) {
        return new EvalView(r.evalId(), "eval", JobState.SUCCEEDED, r.modelId(), r.suite(), r.task(), r.datasetId(),
                r.metrics(), r.intervals(), r.examples(), r.skipped(), r.parameters(), withDetails ? r.details() : null,
                r.createdAt(), null, null, null, "/v1/evals/" + r.evalId() + "/samples");
    }

    /** An evaluation without a result: its job's state, and what was asked when the request is known. */
    static EvalView pending(JobView job, Optional<EvalJob.Evaluate> request) {
        EvalJob.Evaluate r = request.orElse(null);
        return new EvalView(job.id(), "eval", job.state(), r == null ? null : r.modelId(), r == null ? null : r.suite(),
                r == null ? null : r.task(), r == null ? null : r.datasetId(), null, null, null, null,
                r == null ? null : parameters(r), null, job.createdAt(), job.progress(), job.message(), job.field(),
                null);
    }

    /** The request's settings under the names a finished result reports them by. */
    static Map<String, Object> parameters(EvalJob.Evaluate request) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (request.parameters() != null && request.parameters().isObject()) {
            request.parameters().fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        }
        if (request.maxExamples() != null) {
            out.put("maxExamples", request.maxExamples());
        }
        if (request.seed() != null) {
            out.put("seed", request.seed());
        }
        if (request.judgeModelId() != null) {
            out.put("judgeModelId", request.judgeModelId());
        }
        return out;
    }
}
