package dev.llmmesh.mesh.jobs;

/**
 * A job whose fields are well-formed JSON but cannot be run: the gateway answers it with a 400 naming
 * {@link #field()}, a service fails the job with the same words.
 */
public final class InvalidJobException extends Exception {
    private final String field;

    public InvalidJobException(String field, String reason) {
        super(reason);
        this.field = field;
    }

    /** The request field at fault, e.g. {@code hyperparameters.learningRate}. */
    public String field() {
        return field;
    }
}
