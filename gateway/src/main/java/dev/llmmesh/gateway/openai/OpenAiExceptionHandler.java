package dev.llmmesh.gateway.openai;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

@Singleton
@Produces(MediaType.APPLICATION_JSON)
@Requires(classes = {OpenAiException.class, ExceptionHandler.class})
public class OpenAiExceptionHandler implements ExceptionHandler<OpenAiException, HttpResponse<OpenAiError>> {
    @Override
    public HttpResponse<OpenAiError> handle(HttpRequest request, OpenAiException exception) {
        var response = HttpResponse.<OpenAiError>status(exception.status()).body(exception.body());
        if (exception.retryAfterSeconds() != null) {
            response.header(HttpHeaders.RETRY_AFTER, exception.retryAfterSeconds().toString());
        }
        return response;
    }
}
