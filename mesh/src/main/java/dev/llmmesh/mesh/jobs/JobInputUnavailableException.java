package dev.llmmesh.mesh.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A job's check could not read what it names (the artifact store failed, not the job): the job may be fine, so the
 * gateway answers 503 naming {@link #field()} and the client retries, instead of a 400 that blames the input.
 */
public final class JobInputUnavailableException extends UncheckedIOException {
    private final String field;

    public JobInputUnavailableException(String field, String reason, IOException cause) {
        super(reason + ": " + cause.getMessage(), cause);
        this.field = field;
    }

    /** The request field whose input could not be read, e.g. {@code datasetId}. */
    public String field() {
        return field;
    }
}
