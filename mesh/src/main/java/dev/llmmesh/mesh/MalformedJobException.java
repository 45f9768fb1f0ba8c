package dev.llmmesh.mesh;

import java.util.Optional;

/** A job message that cannot be run as sent; the reason says what to fix. */
public final class MalformedJobException extends Exception {
    private final String jobId;
    private final String jobType;
    private final String field;

    public MalformedJobException(String reason, String jobId, String jobType) {
        this(reason, jobId, jobType, null);
    }

    public MalformedJobException(String reason, String jobId, String jobType, String field) {
        super(reason);
        this.jobId = jobId;
        this.jobType = jobType;
        this.field = field;
    }

    /** The message field at fault, when it is known. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** The job id, when the message had a usable one, so its sender can be told through a FAILED event. */
    public Optional<String> jobId() {
        return Optional.ofNullable(jobId);
    }

    public String jobType() {
        return jobType;
    }
}
