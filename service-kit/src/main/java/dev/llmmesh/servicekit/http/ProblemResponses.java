package dev.llmmesh.servicekit.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * Writes a problem as the answer to a request: an RFC 9457 body, or the shape a {@link ProblemDialect} speaks on
 * that request's path. The one place every error response of a service goes through.
 */
@Singleton
public final class ProblemResponses {
    private final List<ProblemDialect> dialects;

    public ProblemResponses(List<ProblemDialect> dialects) {
        this.dialects = List.copyOf(dialects);
    }

    public MutableHttpResponse<?> respond(HttpRequest<?> request, ProblemException e) {
        return write(request, e.toProblem(), HttpResponse.status(e.status()));
    }

    /** Fills {@code response} (status already set, headers such as {@code Allow} kept) with the problem. */
    public MutableHttpResponse<?> write(HttpRequest<?> request, Problem problem, MutableHttpResponse<?> response) {
        for (ProblemDialect dialect : dialects) {
            if (request != null && dialect.speaks(request)) {
                return dialect.write(problem, response);
            }
        }
        return response.body(problem).contentType(Problem.MEDIA_TYPE);
    }
}
