package dev.llmmesh.servicekit.jobs;

import java.util.Optional;

/** A job that cannot succeed for a reason its submitter can act on (the message says how). */
public final class JobFailedException extends Exception {
    private final String field;

    public JobFailedException(String reason) {
        this(null, reason);
    }

    /** @param field the job's field at fault, as the gateway would name it in a 400 */
    public JobFailedException(String field, String reason) {
        super(reason);
        this.field = field;
    }

    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
