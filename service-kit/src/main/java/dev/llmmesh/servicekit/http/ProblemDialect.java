package dev.llmmesh.servicekit.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;

/**
 * A different error shape some paths of a service must speak (the gateway's OpenAI paths answer
 * {@code {"error": {...}}}, which OpenAI clients parse). {@link ProblemResponses} asks every dialect bean before
 * writing a problem body, so errors Micronaut itself produces on those paths get the dialect's shape too.
 */
public interface ProblemDialect {
    boolean speaks(HttpRequest<?> request);

    /** Sets the body and content type of {@code response} (whose status is already the problem's). */
    MutableHttpResponse<?> write(Problem problem, MutableHttpResponse<?> response);
}
