package dev.llmmesh.servicekit.http;

import io.micronaut.http.HttpStatus;

/** Ends a request with a problem body instead of a result. */
public final class ProblemException extends RuntimeException {
    private final HttpStatus status;
    private final String field;

    public ProblemException(HttpStatus status, String field, String detail) {
        super(detail);
        this.status = status;
        this.field = field;
    }

    public static ProblemException badField(String field, String detail) {
        return new ProblemException(HttpStatus.BAD_REQUEST, field, detail);
    }

    public Problem toProblem() {
        return new Problem("about:blank", status.getReason(), status.getCode(), getMessage(), field);
    }

    public HttpStatus status() {
        return status;
    }
}
