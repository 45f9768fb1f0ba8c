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

/**
 * Every error this service answers is a problem body, never a stack trace. Errors Micronaut produces itself
 * (no route, wrong method or content type, unreadable parameters) go through {@link ProblemErrorResponseProcessor}.
 */
public final class ProblemHandlers {
    private ProblemHandlers() {
    }

    @Singleton
    @Produces(Problem.MEDIA_TYPE)
    static final class OwnProblems implements ExceptionHandler<ProblemException, HttpResponse<?>> {
        private final ProblemResponses responses;

        OwnProblems(ProblemResponses responses) {
            this.responses = responses;
        }

        @Override
        public HttpResponse<?> handle(HttpRequest request, ProblemException exception) {
            return responses.respond(request, exception);
        }
    }

    @Singleton
    @Produces(Problem.MEDIA_TYPE)
    @Replaces(ContentLengthExceededHandler.class)
    static final class TooLarge implements ExceptionHandler<ContentLengthExceededException, HttpResponse<?>> {
        private final ProblemResponses responses;

        TooLarge(ProblemResponses responses) {
            this.responses = responses;
        }

        @Override
        public HttpResponse<?> handle(HttpRequest request, ContentLengthExceededException exception) {
            return responses.respond(request, tooLarge(exception));
        }
    }

    static ProblemException tooLarge(ContentLengthExceededException exception) {
        return new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body", exception.getMessage()
                + "; send less per request (the limit is micronaut.server.max-request-size)");
    }
}
