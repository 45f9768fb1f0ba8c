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
import dev.llmmesh.servicekit.MeshProducer;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a client's job on its service's topic. The client's 202 means Kafka holds the job (acks=all, idempotent
 * producer): QUEUED goes to {@code llm.jobs.events} first so it can never land after the service's RUNNING.
 */
@Singleton
public class JobSubmitter {
    private static final Logger LOG = LoggerFactory.getLogger(JobSubmitter.class);

    private final MeshProducer producer;
    private final JobBoard board;
    private final JobPreconditions preconditions;

    public JobSubmitter(MeshProducer producer, JobBoard board, JobPreconditions preconditions) {
        this.producer = producer;
        this.board = board;
        this.preconditions = preconditions;
    }

    public JobView submit(ObjectNode body) {
        JsonNode typeNode = body.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw ProblemException.badField("type", "field 'type' is required: one of " + JobCatalog.validTypes());
        }
        JobCatalog.Kind kind = JobCatalog.find(typeNode.textValue()).orElseThrow(() -> ProblemException.badField(
                "type", "unknown job type '" + typeNode.textValue() + "'; valid types: " + JobCatalog.validTypes()));
        ObjectNode message = body.deepCopy();
        if (!message.hasNonNull("jobId")) {
            message.put("jobId", Ids.random("job"));
        }
        MeshJob job = parse(message, kind);
        if (board.view(job.jobId()).isPresent()) {
            throw new ProblemException(HttpStatus.CONFLICT, "jobId", "job '" + job.jobId() + "' already exists; "
                    + "leave jobId out to get a fresh one");
        }
        preconditions.check(job);
        JobEvent queued = JobEvent.queued(job.jobId(), kind.type());
        send(Topics.JOB_EVENTS, job.jobId(), Json.bytes(queued), "the job was not submitted");
        // The record as parsed: defaults are filled in, so the service runs exactly what the client was told.
        send(kind.topic(), job.jobId(), Json.bytes(job), "the job was not submitted");
        board.apply(queued);
        LOG.info("job {} ({}) submitted to {}", job.jobId(), kind.type(), kind.topic());
        return board.view(job.jobId()).orElseThrow();
    }

    public JobView cancel(String jobId) {
        JobView view = board.view(jobId).orElseThrow(() -> JobsController.notFound(jobId));
        if (view.state().terminal()) {
            throw new ProblemException(HttpStatus.CONFLICT, null, "job '" + jobId + "' has already ended ("
                    + view.state() + ")");
        }
        boolean cancellable = JobCatalog.find(view.type()).map(JobCatalog.Kind::cancellable).orElse(false);
        if (!cancellable) {
            throw new ProblemException(HttpStatus.CONFLICT, null, view.type() + " jobs cannot be cancelled; they "
                    + "run to the end. Cancellable types: " + JobCatalog.all().values().stream()
                    .filter(JobCatalog.Kind::cancellable).map(JobCatalog.Kind::type).toList());
        }
        send(Topics.JOB_CONTROL, jobId, Json.bytes(JobControl.cancel(jobId)), "the cancel request was not sent");
        return view;
    }

    private static MeshJob parse(ObjectNode message, JobCatalog.Kind kind) {
        try {
            return JobMessages.parse(message, kind.record(), JobCatalog.validTypes());
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
