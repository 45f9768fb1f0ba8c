package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Progress;
import jakarta.inject.Singleton;

import java.util.Map;

/** Publishes a job's life to {@code llm.jobs.events}. */
@Singleton
public class JobEvents {
    private final KafkaOutbox outbox;

    public JobEvents(KafkaOutbox outbox) {
        this.outbox = outbox;
    }

    public void running(TokenizerJob job, Progress progress) {
        publish(JobEvent.running(job.jobId(), job.jobType(), progress));
    }

    public void succeeded(TokenizerJob job, String message, Map<String, Object> result) {
        publish(JobEvent.succeeded(job.jobId(), job.jobType(), message, result));
    }

    public void failed(String jobId, String jobType, String reason) {
        publish(JobEvent.failed(jobId, jobType, reason));
    }

    private void publish(JobEvent event) {
        outbox.jobEvent(event.jobId(), Json.bytes(event));
    }

    /** Limits progress events to one a second, with rate and ETA computed from the job's start. */
    public ProgressReporter reporter(TokenizerJob job, String unit) {
        return new ProgressReporter(job, unit);
    }

    public final class ProgressReporter {
        private final TokenizerJob job;
        private final String unit;
        private final long startNanos = System.nanoTime();
        private long lastNanos;

        private ProgressReporter(TokenizerJob job, String unit) {
            this.job = job;
            this.unit = unit;
        }

        public void report(long done, long total, String stage, boolean force) {
            long now = System.nanoTime();
            if (!force && now - lastNanos < 1_000_000_000L) {
                return;
            }
            lastNanos = now;
            double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
            double rate = done / seconds;
            Long eta = rate > 0 && total >= done ? Math.round((total - done) / rate) : null;
            running(job, new Progress(done, total, unit, stage, rate, eta, Map.of()));
        }
    }
}
