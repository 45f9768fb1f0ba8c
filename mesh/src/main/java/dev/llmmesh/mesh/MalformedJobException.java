package dev.llmmesh.mesh;

import java.util.Optional;

/** A job message that cannot be run as sent; the reason says what to fix. */
public final class MalformedJobException extends Exception {
    private final String jobId;
    private final String jobType;

    public MalformedJobException(String reason, String jobId, String jobType) {
        super(reason);
        this.jobId = jobId;
        this.jobType = jobType;
    }

    /** The job id, when the message had a usable one, so its sender can be told through a FAILED event. */
    public Optional<String> jobId() {
        return Optional.ofNullable(jobId);
    }

    public String jobType() {
        return jobType;
    }
}
