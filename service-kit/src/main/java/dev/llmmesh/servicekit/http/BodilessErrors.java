package dev.llmmesh.servicekit.http;

import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;

/**
 * Some refusals never reach the error processor: a filter that answers by itself (the management endpoints' 401
 * for a sensitive endpoint) sends a status with no body at all. This outermost filter gives every such error its
 * problem body, so no error leaves a service without one.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class BodilessErrors implements Ordered {
    private final ProblemResponses responses;

    BodilessErrors(ProblemResponses responses) {
        this.responses = responses;
    }

    @ResponseFilter
    void describe(HttpRequest<?> request, MutableHttpResponse<?> response) {
        HttpStatus status = response.status();
        if (status.getCode() < 400 || response.getBody().isPresent() || request.getMethod() == HttpMethod.HEAD) {
            return;
        }
        String detail = status == HttpStatus.UNAUTHORIZED
                ? request.getMethodName() + " " + request.getPath() + " needs credentials this service does not take "
                        + "here; it is not part of the public API"
                : request.getMethodName() + " " + request.getPath() + " answered " + status.getCode() + " "
                        + status.getReason();
        responses.write(request, new Problem("about:blank", status.getReason(), status.getCode(), detail, null), response);
    }

    @Override
    public int getOrder() {
        // Outermost: it sees the answers of every other filter, the management endpoints' security filter included.
        return ServerFilterPhase.FIRST.before();
    }
}
