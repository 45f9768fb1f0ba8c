package dev.llmmesh.gateway.evals;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.gateway.api.ApiSchemas;
import dev.llmmesh.gateway.api.BodyErrors;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.gateway.jobs.JobBoard;
import dev.llmmesh.gateway.jobs.JobView;
import dev.llmmesh.gateway.jobs.JobsController;
import dev.llmmesh.gateway.jobs.ReplayBarrier;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.datasets.ArtifactLines;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.servicekit.http.JsonBody;
import dev.llmmesh.servicekit.http.Problem;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Evaluations: ask for one (an {@code evaluate} job), list them, look at one and at its scored examples. An
 * evaluation's id is its job's id.
 */
@Controller("/v1/evals")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "evals")
public class EvalsController {
    private static final String EVALUATE = EvalJob.Evaluate.TYPE.name();

    private final JobsController jobs;
    private final JobBoard jobBoard;
    private final ReplayBarrier jobReplay;
    private final EvalBoard evals;
    private final EvalReplay evalReplay;
    private final EvalSamples files;

    public EvalsController(JobsController jobs, JobBoard jobBoard, ReplayBarrier jobReplay, EvalBoard evals,
                           EvalReplay evalReplay, EvalSamples files) {
        this.jobs = jobs;
        this.jobBoard = jobBoard;
        this.jobReplay = jobReplay;
        this.evals = evals;
        this.evalReplay = evalReplay;
        this.files = files;
    }

    public record EvalList(@Schema(example = "list") String object, List<EvalView> data) {
    }

    @Schema(description = "a page of an evaluation's scored examples (lines of evals/{id}/samples.jsonl)")
    public record SampleList(@Schema(example = "list") String object,
                             @ArraySchema(schema = @Schema(type = "object", additionalProperties =
                                     Schema.AdditionalPropertiesValue.TRUE, description = "an example: index, input, "
                                     + "reference, output, scores")) List<Map<String, Object>> data,
                             long offset, int limit, @Schema(description = "examples in the evaluation") long total) {
    }

    @Post(consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Evaluate a model: submits an evaluate job; 202 once Kafka holds it, after the checks "
            + "eval-service would run (unknown model, dataset, task or judge is a 400 naming the field)")
    @ApiResponse(responseCode = "202", description = "Kafka holds the job; Location is the evaluation's URL",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = JobView.class)))
    @ApiResponse(responseCode = "409", description = "a job with this jobId exists",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @ProblemErrors
    @BodyErrors
    @Status(HttpStatus.ACCEPTED)
    public HttpResponse<JobView> submit(@RequestBody(required = true, content = @Content(mediaType =
            MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.EvalRequest.class)))
                                        @Body byte[] body) {
        ObjectNode job = JsonBody.parse(body).object();
        JsonNode type = job.get("type");
        if (type != null && !EVALUATE.equals(type.asText())) {
            throw ProblemException.badField("type", "POST /v1/evals submits " + EVALUATE + " jobs; leave type out "
                    + "(other jobs go to POST /v1/jobs)");
        }
        job.put("type", EVALUATE);
        JobView view = jobs.submitted(job).body();
        return HttpResponse.accepted(URI.create("/v1/evals/" + view.id())).body(view);
    }

    @Get
    @Operation(summary = "Evaluations, newest first: finished ones with their figures (for an automatic one, the "
            + "latest of its model and suite), and requested ones not finished with their job's state; filtered by "
            + "model, task and suite (an unfinished one whose request the gateway has not read matches no filter)")
    @ProblemErrors
    public EvalList list(@QueryValue @Nullable String modelId,
                         @QueryValue @Nullable @Schema(allowableValues = {"perplexity", "classification",
                                 "generation", "multiple-choice", "judge"}) String task,
                         @QueryValue @Nullable String suite,
                         @QueryValue(defaultValue = "100") @Nullable @Schema(minimum = "1", maximum = "1000",
                                 defaultValue = "100") Integer limit) {
        if (limit < 1 || limit > 1000) {
            throw ProblemException.badField("limit", "limit must be between 1 and 1000, got " + limit);
        }
        EvalTask wanted = task == null ? null : task(task);
        awaitReplay();
        // Filtered before any view is built, and at most limit taken from each source: both come newest first, so
        // the newest limit of the two together are among them.
        List<EvalView> finished = evals.results(r -> matches(modelId, wanted, suite, r.modelId(), r.task(), r.suite()))
                .stream().limit(limit).map(r -> EvalView.finished(r, false)).toList();
        // A SUCCEEDED job without a current result was re-measured (its figure replaced) or is about to publish.
        List<EvalView> pending = jobBoard.list(j -> EVALUATE.equals(j.type()) && j.state() != JobState.SUCCEEDED
                        && evals.result(j.id()).isEmpty() && pendingMatches(j.id(), modelId, wanted, suite), limit)
                .stream().map(j -> EvalView.pending(j, evals.request(j.id()))).toList();
        Comparator<EvalView> newestFirst = Comparator.comparing(EvalView::createdAt,
                Comparator.nullsLast(Comparator.<Instant>reverseOrder()));
        return new EvalList("list", Stream.concat(finished.stream(), pending.stream()).sorted(newestFirst)
                .limit(limit).toList());
    }

    /** An unfinished evaluation is filtered by what was asked; one whose request is not known matches no filter. */
    private boolean pendingMatches(String id, String modelId, EvalTask task, String suite) {
        if (modelId == null && task == null && suite == null) {
            return true;
        }
        return evals.request(id).filter(r -> matches(modelId, task, suite, r.modelId(), r.task(), r.suite()))
                .isPresent();
    }

    private static boolean matches(String modelId, EvalTask task, String suite, String itsModelId, EvalTask itsTask,
                                   String itsSuite) {
        return (modelId == null || modelId.equals(itsModelId)) && (task == null || task == itsTask)
                && (suite == null || suite.equals(itsSuite));
    }

    @Get("/{id}")
    @Operation(summary = "One evaluation: its figures, intervals and details once finished; before that its job's "
            + "state and progress")
    @ProblemErrors
    public EvalView get(@PathVariable String id) throws IOException {
        checkedId(id);
        awaitReplay();
        Optional<EvalResult> current = evals.result(id);
        if (current.isPresent()) {
            return EvalView.finished(current.get(), true);
        }
        Optional<JobView> job = jobBoard.view(id).filter(j -> EVALUATE.equals(j.type()));
        if (job.isPresent() && job.get().state() != JobState.SUCCEEDED) {
            return EvalView.pending(job.get(), evals.request(id));
        }
        Optional<EvalResult> superseded = files.summary(id);
        if (superseded.isPresent()) {
            return EvalView.finished(superseded.get(), true);
        }
        return job.map(j -> EvalView.pending(j, evals.request(id))).orElseThrow(() -> notFound(id));
    }

    @Get("/{id}/samples")
    @Operation(summary = "A page of the evaluation's scored examples, in example order: what the model was given, "
            + "the reference, its output and the example's scores, enough to recompute or audit a figure")
    @ApiResponse(responseCode = "409", description = "the evaluation has not finished; its samples are written at "
            + "the end", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    @ProblemErrors
    public SampleList samples(@PathVariable String id,
                              @QueryValue(defaultValue = "0") @Nullable @Schema(minimum = "0", defaultValue = "0")
                              Long offset,
                              @QueryValue(defaultValue = "20") @Nullable @Schema(minimum = "1", maximum = "1000",
                                      defaultValue = "20") Integer limit) throws IOException {
        checkedId(id);
        if (offset < 0) {
            throw ProblemException.badField("offset", "offset must be 0 or more, got " + offset);
        }
        if (limit < 1 || limit > 1000) {
            throw ProblemException.badField("limit", "limit must be between 1 and 1000, got " + limit);
        }
        Optional<ArtifactLines.Page<JsonNode>> page = files.page(id, offset, limit);
        if (page.isPresent()) {
            List<Map<String, Object>> samples = page.get().items().stream()
                    .map(s -> Json.LENIENT.<Map<String, Object>>convertValue(s, new TypeReference<>() {
                    })).toList();
            return new SampleList("list", samples, offset, limit, page.get().total());
        }
        EvalView view = get(id);
        throw new ProblemException(HttpStatus.CONFLICT, "id", "evaluation '" + id + "' is " + view.state()
                + (view.state().terminal() ? " and has no samples" : "; its samples are written when it finishes")
                + " (GET /v1/evals/" + id + ")");
    }

    static EvalTask task(String name) {
        return EvalTask.named(name).orElseThrow(() -> ProblemException.badField("task", "unknown task '" + name
                + "'; known: " + EvalTask.names()));
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(HttpStatus.NOT_FOUND, "id", "no evaluation '" + id + "'; GET /v1/evals lists "
                + "them");
    }

    private static void checkedId(String id) {
        try {
            Ids.require("id", id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badField("id", e.getMessage());
        }
    }

    private void awaitReplay() {
        try {
            if (!jobReplay.await(EvalReplay.WAIT)) {
                throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, null, "the gateway is still replaying "
                        + "job history from Kafka; retry in a few seconds");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        evalReplay.awaitOrUnavailable();
    }
}
