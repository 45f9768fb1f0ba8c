package dev.llmmesh.servicekit;

import dev.llmmesh.mesh.JobReporter;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import jakarta.inject.Singleton;

/** Hands out reporters whose events go to {@code llm.jobs.events}, keyed by job id. */
@Singleton
public class JobEvents {
    private final MeshProducer producer;

    public JobEvents(MeshProducer producer) {
        this.producer = producer;
    }

    public JobReporter reporter(String jobId, String jobType) {
        return new JobReporter(jobId, jobType, event -> producer.send(Topics.JOB_EVENTS, event.jobId(), Json.bytes(event)));
    }
}
