package dev.llmmesh.servicekit;

/** A job that cannot succeed for a reason its submitter can act on (the message says how). */
public final class JobFailedException extends Exception {
    public JobFailedException(String reason) {
        super(reason);
    }
}
