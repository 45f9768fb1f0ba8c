package dev.llmmesh.servicekit.jobs;

/** A job stopped because its replica is shutting down; another replica picks it up again. */
public final class JobInterruptedException extends RuntimeException {
    public JobInterruptedException(String message) {
        super(message);
    }
}
