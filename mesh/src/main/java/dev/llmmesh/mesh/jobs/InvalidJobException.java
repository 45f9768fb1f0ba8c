package dev.llmmesh.mesh.jobs;

/**
 * A job whose fields are well-formed JSON but cannot be run: the gateway answers it with a 400 (409 for a
 * {@link #conflict()}) naming {@link #field()}, a service fails the job with the same words.
 */
public final class InvalidJobException extends Exception {
    private final String field;
    private final boolean conflict;

    public InvalidJobException(String field, String reason) {
        this(field, reason, false);
    }

    private InvalidJobException(String field, String reason, boolean conflict) {
        super(reason);
        this.field = field;
        this.conflict = conflict;
    }

    /** The job would overwrite something that exists (a tokenizer id already taken). */
    public static InvalidJobException conflict(String field, String reason) {
        return new InvalidJobException(field, reason, true);
    }

    /** The request field at fault, e.g. {@code hyperparameters.learningRate}. */
    public String field() {
        return field;
    }

    public boolean conflict() {
        return conflict;
    }
}
