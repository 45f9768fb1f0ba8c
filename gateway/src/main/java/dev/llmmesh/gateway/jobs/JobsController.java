package dev.llmmesh.gateway.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.gateway.api.ApiSchemas;
import dev.llmmesh.gateway.api.BodyErrors;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.jobs.JobTypes;
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
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Status;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Jobs: submit, list, look at, follow live, cancel. */
@Controller("/v1/jobs")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "jobs")
public class JobsController {
    private static final Duration REPLAY_WAIT = Duration.ofSeconds(10);
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final JobSubmitter submitter;
    private final JobBoard board;
    private final ReplayBarrier replay;

    public JobsController(JobSubmitter submitter, JobBoard board, ReplayBarrier replay) {
        this.submitter = submitter;
        this.board = board;
        this.replay = replay;
    }

    public record JobList(String object, List<JobView> data) {
    }

    @Post(consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a job: {\"type\": \"train-tokenizer\"|\"tokenize-dataset\"|\"pretrain\"|"
            + "\"delete-model\"|\"evaluate\", ...}; 202 once Kafka holds it, after the checks its service would run")
    @ApiResponse(responseCode = "202", description = "Kafka holds the job; Location is its URL",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @ApiResponse(responseCode = "409", description = "a job with this jobId exists",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @ProblemErrors
    @BodyErrors
    @Status(HttpStatus.ACCEPTED)
    public HttpResponse<JobView> submit(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.Job.class))) @Body byte[] body) {
        return submitted(JsonBody.parse(body).object());
    }

    /** Endpoints that act on an artifact (DELETE /v1/models/{id}) submit their job through here. */
    public HttpResponse<JobView> submitted(ObjectNode job) {
        awaitReplay();
        JobView view = submitter.submit(job);
        return HttpResponse.accepted(URI.create("/v1/jobs/" + view.id())).body(view);
    }

    @Get
    @Operation(summary = "Jobs, newest first, optionally filtered by state and type")
    @ProblemErrors
    public JobList list(@QueryValue @Nullable String state, @QueryValue @Nullable String type,
                        @QueryValue(defaultValue = "100") @Nullable @Schema(minimum = "1", maximum = "1000",
                                defaultValue = "100") Integer limit) {
        awaitReplay();
        if (limit < 1 || limit > 1000) {
            throw ProblemException.badField("limit", "limit must be between 1 and 1000, got " + limit);
        }
        JobState wanted = state == null ? null : parseState(state);
        if (type != null && JobTypes.submittable(type).isEmpty()) {
            // An unknown type matches no job; an empty list would hide the typo.
            throw ProblemException.badField("type", "type must be one of " + JobTypes.submittableNames() + ", got '"
                    + type + "'");
        }
        return new JobList("list", board.list(v -> (wanted == null || v.state() == wanted)
                && (type == null || type.equals(v.type())), limit));
    }

    @Get("/{id}")
    @ProblemErrors
    public JobView get(@PathVariable String id) {
        awaitReplay();
        return board.view(id).orElseThrow(() -> notFound(id));
    }

    @Get(value = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM)
    @Operation(summary = "Server-sent events: the job's history, then live events until it ends; each event's id is "
            + "its position in the history, so a client reconnecting with Last-Event-ID resumes after it")
    @ProblemErrors
    public Publisher<Event<Object>> events(@PathVariable String id,
                                           @Header("Last-Event-ID") @Nullable String lastEventId) {
        awaitReplay();
        board.view(id).orElseThrow(() -> notFound(id));
        long after = lastEventId(lastEventId);
        // follow() replays the whole history first, so an event's index is its position: the same on every
        // connection and, since the history is rebuilt in order from Kafka, after a gateway restart too.
        Flux<Event<Object>> events = board.follow(id).index()
                .map(e -> Event.<Object>of(e.getT2()).id(Long.toString(e.getT1()))
                        .name(e.getT2().state().name().toLowerCase(Locale.ROOT)));
        // A queued job can be silent for long; pings keep proxies from closing the connection. Their data has a
        // "type" like every event's, so a client can tell them apart without looking at the event name. They carry
        // no id, so they do not move a client's Last-Event-ID.
        Flux<Event<Object>> pings = Flux.interval(HEARTBEAT).map(i -> Event.<Object>of(PING).name("ping"));
        // The end is found before Last-Event-ID skips what the client has seen: a client resuming after the
        // terminal event still gets a stream that ends (and whose pings stop) instead of one that never does.
        return events.mergeWith(pings)
                .takeUntil(e -> e.getData() instanceof JobEvent job && job.state().terminal())
                .filter(e -> !(e.getData() instanceof JobEvent) || Long.parseLong(e.getId()) > after);
    }

    private static long lastEventId(String header) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            throw ProblemException.badField("Last-Event-ID", "Last-Event-ID must be the id of an event this stream "
                    + "sent (a number), got '" + header + "'; leave it out to get the whole history");
        }
    }

    private static final Map<String, String> PING = Map.of("type", "ping");

    @Post("/{id}/cancel")
    @Operation(summary = "Ask the service running a job to stop it; the job ends CANCELLED")
    @ApiResponse(responseCode = "202", description = "the cancel request is on its way; 409 when the job has ended",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @ApiResponse(responseCode = "409", description = "the job has ended, or its type cannot be cancelled",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @ProblemErrors
    @Status(HttpStatus.ACCEPTED)
    public HttpResponse<JobView> cancel(@PathVariable String id) {
        awaitReplay();
        return HttpResponse.accepted().body(submitter.cancel(id));
    }

    static ProblemException notFound(String id) {
        return new ProblemException(HttpStatus.NOT_FOUND, "id", "no job '" + id + "'; GET /v1/jobs lists jobs");
    }

    private static JobState parseState(String state) {
        try {
            return JobState.valueOf(state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badField("state", "state must be one of " + Arrays.toString(JobState.values())
                    + ", got '" + state + "'");
        }
    }

    /** Right after a restart the board is still replaying; wait a little rather than answer from half a history. */
    private void awaitReplay() {
        try {
            if (replay.await(REPLAY_WAIT)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, null, "the gateway is still replaying job "
                + "history from Kafka; retry in a few seconds");
    }
}
