package dev.llmmesh.servicekit.jobs;

import dev.llmmesh.mesh.JobReporter;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.servicekit.MeshProducer;
import dev.llmmesh.servicekit.telemetry.JobMetrics;
import jakarta.inject.Singleton;

/**
 * Hands out reporters whose events go to {@code llm.jobs.events}, keyed by job id, and into this replica's
 * job metrics once the broker has them.
 */
@Singleton
public class JobEvents {
    private final MeshProducer producer;
    private final JobMetrics metrics;

    public JobEvents(MeshProducer producer, JobMetrics metrics) {
        this.producer = producer;
        this.metrics = metrics;
    }

    public JobReporter reporter(String jobId, String jobType) {
        return new JobReporter(jobId, jobType, event -> {
            producer.send(Topics.JOB_EVENTS, event.jobId(), Json.bytes(event));
            metrics.record(event);
        });
    }
}
