package dev.llmmesh.tokenizer.jobs;

import java.util.Optional;

/** A job message that cannot be run as sent; the reason says what to fix. */
final class MalformedJobException extends Exception {
    private final String jobId;
    private final String jobType;

    MalformedJobException(String reason, String jobId, String jobType) {
        super(reason);
        this.jobId = jobId;
        this.jobType = jobType;
    }

    /** The job id, when the message had a usable one, so its sender can be told through a FAILED event. */
    Optional<String> jobId() {
        return Optional.ofNullable(jobId);
    }

    String jobType() {
        return jobType;
    }
}
