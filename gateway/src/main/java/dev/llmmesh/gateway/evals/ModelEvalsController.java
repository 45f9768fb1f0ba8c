package dev.llmmesh.gateway.evals;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.servicekit.http.ProblemException;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A published model's figures: every finished evaluation of it, its suites' and the requested ones. */
@Controller("/v1/models")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "evals")
public class ModelEvalsController {
    private final ModelRegistry models;
    private final EvalBoard evals;
    private final EvalReplay replay;

    public ModelEvalsController(ModelRegistry models, EvalBoard evals, EvalReplay replay) {
        this.models = models;
        this.evals = evals;
        this.replay = replay;
    }

    /**
     * One figure set of a model, llm-mesh's camelCase like the rest of its own bodies.
     *
     * @param suite absent for an evaluation a client asked for
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelEval(String evalId, String suite, EvalTask task, String datasetId,
                            Map<String, Double> metrics, Map<String, EvalResult.Interval> intervals, long examples,
                            long skipped, Map<String, Object> parameters, Instant createdAt) {
        static ModelEval of(EvalResult r) {
            return new ModelEval(r.evalId(), r.suite(), r.task(), r.datasetId(), r.metrics(), r.intervals(),
                    r.examples(), r.skipped(), r.parameters(), r.createdAt());
        }
    }

    public record ModelEvalList(@Schema(example = "list") String object, List<ModelEval> data) {
    }

    @Get("/{id}/evals")
    @Operation(summary = "The model's finished evaluations, newest first: its suites' figures (automatic, the latest "
            + "per suite) and those clients asked for; the figures, their 95% intervals, example counts, parameters")
    @ProblemErrors
    public ModelEvalList evals(@PathVariable String id) {
        if (models.find(id, ModelRegistry.CATCH_UP).isEmpty()) {
            throw new ProblemException(HttpStatus.NOT_FOUND, "id", "no model '" + id + "'; GET /v1/models lists the "
                    + "published ones");
        }
        replay.awaitOrUnavailable();
        return new ModelEvalList("list", evals.ofModel(id).stream().map(ModelEval::of).toList());
    }
}
