package dev.llmmesh.mesh;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Reports one job's life as {@link JobEvent}s to a sink (a service sends them to {@link Topics#JOB_EVENTS}).
 * Progress is limited to about one event a second, with rate and ETA measured from the reporter's start.
 */
public final class JobReporter {
    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L;

    private final String jobId;
    private final String jobType;
    private final Consumer<JobEvent> sink;
    private final long startNanos = System.nanoTime();
    private long lastProgressNanos;

    public JobReporter(String jobId, String jobType, Consumer<JobEvent> sink) {
        this.jobId = jobId;
        this.jobType = jobType;
        this.sink = sink;
    }

    public void running(Progress progress) {
        sink.accept(JobEvent.running(jobId, jobType, progress));
    }

    /**
     * @param force send even if the last progress event was less than a second ago (first and last steps)
     */
    public void progress(long done, long total, String unit, String stage, Map<String, Double> metrics, boolean force) {
        progress(done, total, unit, stage, metrics, null, force);
    }

    /** @param details what {@link Progress#details()} carries; null for none */
    public void progress(long done, long total, String unit, String stage, Map<String, Double> metrics,
                         Map<String, Object> details, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastProgressNanos < MIN_INTERVAL_NANOS) {
            return;
        }
        lastProgressNanos = now;
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = done / seconds;
        Long eta = rate > 0 && total >= done ? Math.round((total - done) / rate) : null;
        running(new Progress(done, total, unit, stage, rate, eta, metrics, details));
    }

    public void succeeded(String message, Map<String, Object> result) {
        sink.accept(JobEvent.succeeded(jobId, jobType, message, result));
    }

    public void cancelled(String message) {
        sink.accept(JobEvent.cancelled(jobId, jobType, message));
    }

    public void failed(String reason) {
        failed(reason, null);
    }

    /** @param field the job's field at fault, or null */
    public void failed(String reason, String field) {
        sink.accept(JobEvent.failed(jobId, jobType, reason, field));
    }
}
