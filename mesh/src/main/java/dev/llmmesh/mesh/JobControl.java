package dev.llmmesh.mesh;

/** A command about a job already submitted, on {@link Topics#JOB_CONTROL} keyed by job id. */
public record JobControl(String type, int schemaVersion, String jobId) {
    public static final String CANCEL = "cancel-job";
    public static final int SCHEMA_VERSION = 1;

    public static JobControl cancel(String jobId) {
        return new JobControl(CANCEL, SCHEMA_VERSION, jobId);
    }
}
