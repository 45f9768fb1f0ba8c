package dev.llmmesh.gateway.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.JobControl;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.eval.Suites;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.mesh.jobs.InvalidJobException;
import dev.llmmesh.mesh.jobs.JobContext;
import dev.llmmesh.mesh.jobs.JobInputUnavailableException;
import dev.llmmesh.mesh.jobs.JobType;
import dev.llmmesh.mesh.jobs.JobTypes;
import dev.llmmesh.servicekit.MeshProducer;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Puts a client's job on its service's topic. The client's 202 means Kafka holds the job (acks=all, idempotent
 * producer): QUEUED goes to {@code llm.jobs.events} first so it can never land after the service's RUNNING.
 */
@Singleton
public class JobSubmitter {
    private static final Logger LOG = LoggerFactory.getLogger(JobSubmitter.class);

    private final MeshProducer producer;
    private final JobBoard board;
    private final JobContext context;

    public JobSubmitter(MeshProducer producer, JobBoard board, JobContext context) {
        this.producer = producer;
        this.board = board;
        this.context = context;
    }

    /**
     * Parses the job as its service will, runs its validation as its service will, and only then puts it on Kafka:
     * nothing the service would refuse is accepted.
     */
    public JobView submit(ObjectNode body) {
        JsonNode typeNode = body.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw ProblemException.badField("type", "field 'type' is required: one of " + JobTypes.submittableNames());
        }
        JobType<?> type = JobTypes.submittable(typeNode.textValue()).orElseThrow(() -> ProblemException.badField(
                "type", "unknown job type '" + typeNode.textValue() + "'; valid types: " + JobTypes.submittableNames()));
        if (type == EvalJob.Evaluate.TYPE && body.hasNonNull("suite")) {
            // A suite's figure is keyed by model and suite: a client's evaluation naming one would replace it.
            throw ProblemException.badField("suite", "suite is set by eval-service on the evaluations it runs itself; "
                    + "leave it out (a requested evaluation is kept under its own id, beside the suites' figures)");
        }
        JsonNode jobId = body.get("jobId");
        if (jobId != null && jobId.isTextual() && Suites.automaticJobId(jobId.textValue())) {
            // eval-service would take the job for its own automatic evaluation and never run the model's suite.
            throw ProblemException.badField("jobId", "job ids starting with '" + Suites.AUTOMATIC_PREFIX + "' are "
                    + "eval-service's automatic evaluations; choose another id, or leave jobId out to get a fresh one");
        }
        ObjectNode message = body.deepCopy();
        if (!message.hasNonNull("jobId")) {
            message.put("jobId", Ids.random("job"));
        }
        List<String> warnings = type.deprecations(message);
        MeshJob job = parse(message, type);
        if (board.view(job.jobId()).isPresent()) {
            throw new ProblemException(HttpStatus.CONFLICT, "jobId", "job '" + job.jobId() + "' already exists; "
                    + "leave jobId out to get a fresh one");
        }
        validate(job);
        JobEvent queued = JobEvent.queued(job.jobId(), type.name());
        send(Topics.JOB_EVENTS, job.jobId(), Json.bytes(queued), "the job was not submitted");
        // The record as parsed: defaults are filled in, so the service runs exactly what the client was told.
        send(type.topic(), job.jobId(), Json.bytes(job), "the job was not submitted");
        board.apply(queued);
        LOG.info("job {} ({}) submitted to {}", job.jobId(), type.name(), type.topic());
        return board.view(job.jobId()).orElseThrow().withWarnings(warnings);
    }

    private void validate(MeshJob job) {
        try {
            job.validate(context);
        } catch (InvalidJobException e) {
            throw new ProblemException(e.conflict() ? HttpStatus.CONFLICT : HttpStatus.BAD_REQUEST, e.field(),
                    e.getMessage());
        } catch (JobInputUnavailableException e) {
            LOG.warn("job {} could not be checked: {}", job.jobId(), e.getMessage());
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, e.field(), e.getMessage() + "; the job was not "
                    + "submitted. Retry; if it persists, check the artifact store");
        }
    }

    public JobView cancel(String jobId) {
        JobView view = board.view(jobId).orElseThrow(() -> JobsController.notFound(jobId));
        if (view.state().terminal()) {
            throw new ProblemException(HttpStatus.CONFLICT, null, "job '" + jobId + "' has already ended ("
                    + view.state() + ")");
        }
        if (!JobTypes.cancellable(view.type())) {
            throw new ProblemException(HttpStatus.CONFLICT, null, view.type() + " jobs cannot be cancelled; they "
                    + "run to the end. Cancellable types: " + JobTypes.all().stream().filter(JobType::cancellable)
                    .map(JobType::name).toList());
        }
        send(Topics.JOB_CONTROL, jobId, Json.bytes(JobControl.cancel(jobId)), "the cancel request was not sent");
        return view;
    }

    private static MeshJob parse(ObjectNode message, JobType<?> type) {
        try {
            return JobMessages.parse(message, type.record());
        } catch (MalformedJobException e) {
            throw ProblemException.badField(e.field().orElse(null), e.getMessage());
        }
    }

    private void send(String topic, String key, byte[] value, String consequence) {
        try {
            producer.send(topic, key, value);
        } catch (RuntimeException e) {
            LOG.error("Kafka did not acknowledge a write to {}: {}", topic, e.toString());
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, null, "Kafka did not acknowledge the write to "
                    + topic + "; " + consequence + ". Check that the broker is up (GET /health) and retry.");
        }
    }
}
