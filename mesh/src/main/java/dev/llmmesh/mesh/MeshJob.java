package dev.llmmesh.mesh;

import dev.llmmesh.mesh.jobs.InvalidJobException;
import dev.llmmesh.mesh.jobs.JobContext;

/**
 * What every job record tells about itself, so shared code can report on it and check it. A record checks its own
 * values in its constructor; {@link #validate} checks what needs looking up.
 */
public interface MeshJob {
    String jobId();

    /** The type its events report (the type a client submitted). */
    String jobType();

    /**
     * Checks what the job refers to (datasets, tokenizers, models that must exist or must not) and whether it fits
     * where it would run. The gateway calls it before accepting the job, the service before running it.
     */
    default void validate(JobContext context) throws InvalidJobException {
    }
}
