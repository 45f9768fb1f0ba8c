package dev.llmmesh.servicekit.http;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.server.exceptions.ContentLengthExceededHandler;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Every error this service answers is a problem body, never a stack trace. */
public final class ProblemHandlers {
    private ProblemHandlers() {
    }

    static HttpResponse<Problem> respond(ProblemException e) {
        return HttpResponse.<Problem>status(e.status()).body(e.toProblem()).contentType(Problem.MEDIA_TYPE);
    }

    @Singleton
    @Produces(Problem.MEDIA_TYPE)
    static final class OwnProblems implements ExceptionHandler<ProblemException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, ProblemException exception) {
            return respond(exception);
        }
    }

    @Singleton
    @Produces(Problem.MEDIA_TYPE)
    @Replaces(ContentLengthExceededHandler.class)
    static final class TooLarge implements ExceptionHandler<ContentLengthExceededException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, ContentLengthExceededException exception) {
            return respond(new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body",
                    exception.getMessage() + "; send less text per request (the limit is micronaut.server.max-request-size)"));
        }
    }
}
