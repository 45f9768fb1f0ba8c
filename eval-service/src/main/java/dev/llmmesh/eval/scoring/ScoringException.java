package dev.llmmesh.eval.scoring;

import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;

/** The replicas could not score a request: the model is gone or cannot be served, or nobody answered. */
public final class ScoringException extends RuntimeException {
    private final String modelId;
    private final InferenceError error;

    public ScoringException(String modelId, String message, InferenceError error) {
        super(message);
        this.modelId = modelId;
        this.error = error;
    }

    /** The model the failed request was for (the evaluated one, or the judge). */
    public String modelId() {
        return modelId;
    }

    /** Null when no replica answered at all. */
    public InferenceError error() {
        return error;
    }

    /** The request itself cannot be served (its prompt does not fit): its example is skipped, the job goes on. */
    public boolean exampleAtFault() {
        return error != null && error.status() == 400;
    }
}
