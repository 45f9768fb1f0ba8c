package dev.llmmesh.eval.tasks;

/**
 * An example the task cannot score as it needs (e.g. a choice's context that tokenizes to nothing): it is skipped
 * and counted, the job goes on. The only exception a task's scoring may throw for that; any other one (a metric's
 * bug included) fails the job, so a figure never silently covers fewer examples than it says.
 */
public final class UnscorableExampleException extends RuntimeException {
    public UnscorableExampleException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
