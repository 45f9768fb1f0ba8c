package dev.llmmesh.mesh;

import java.time.Instant;
import java.util.Map;

/**
 * One step in a job's life, published to {@link Topics#JOB_EVENTS} keyed by job id, so all events of a
 * job stay in order on one partition.
 *
 * @param message human-readable detail; for FAILED, the reason and what to do about it
 * @param result  what a finished job produced (ids, artifact keys, counts)
 * @param field   for FAILED, the field of the job at fault when one is (as the gateway's 400 would name it)
 */
public record JobEvent(String type, int schemaVersion, String jobId, String jobType, JobState state, Instant time,
                       Progress progress, String message, Map<String, Object> result, String field) {
    public static final String TYPE = "job-event";
    public static final int SCHEMA_VERSION = 1;

    /** Written by the gateway when Kafka has accepted the job, before any service has seen it. */
    public static JobEvent queued(String jobId, String jobType) {
        return new JobEvent(TYPE, SCHEMA_VERSION, jobId, jobType, JobState.QUEUED, Instant.now(), null, "submitted",
                null, null);
    }

    public static JobEvent running(String jobId, String jobType, Progress progress) {
        return new JobEvent(TYPE, SCHEMA_VERSION, jobId, jobType, JobState.RUNNING, Instant.now(), progress, null,
                null, null);
    }

    public static JobEvent succeeded(String jobId, String jobType, String message, Map<String, Object> result) {
        return new JobEvent(TYPE, SCHEMA_VERSION, jobId, jobType, JobState.SUCCEEDED, Instant.now(), null, message,
                result, null);
    }

    public static JobEvent cancelled(String jobId, String jobType, String message) {
        return new JobEvent(TYPE, SCHEMA_VERSION, jobId, jobType, JobState.CANCELLED, Instant.now(), null, message,
                null, null);
    }

    public static JobEvent failed(String jobId, String jobType, String reason) {
        return failed(jobId, jobType, reason, null);
    }

    /** @param field the job's field at fault, or null */
    public static JobEvent failed(String jobId, String jobType, String reason, String field) {
        return new JobEvent(TYPE, SCHEMA_VERSION, jobId, jobType, JobState.FAILED, Instant.now(), null, reason, null,
                field);
    }
}
