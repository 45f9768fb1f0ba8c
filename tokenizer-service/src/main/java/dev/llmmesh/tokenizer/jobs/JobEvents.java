package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.mesh.JobReporter;
import dev.llmmesh.mesh.Json;
import jakarta.inject.Singleton;

/** Hands out reporters whose events go to {@code llm.jobs.events}. */
@Singleton
public class JobEvents {
    private final KafkaOutbox outbox;

    public JobEvents(KafkaOutbox outbox) {
        this.outbox = outbox;
    }

    public JobReporter reporter(String jobId, String jobType) {
        return new JobReporter(jobId, jobType, event -> outbox.jobEvent(event.jobId(), Json.bytes(event)));
    }

    public JobReporter reporter(TokenizerJob job) {
        return reporter(job.jobId(), job.jobType());
    }
}
