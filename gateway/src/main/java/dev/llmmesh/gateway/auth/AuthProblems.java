package dev.llmmesh.gateway.auth;

import dev.llmmesh.servicekit.http.Problem;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;

import java.util.stream.Collectors;

/**
 * The answers a refused request gets: RFC 9457 problem bodies with the headers RFC 6750 (Bearer) and
 * RFC 6585 (429) ask for, so clients and their retry logic can act without reading the text.
 */
final class AuthProblems {
    static final String LIMIT = "X-RateLimit-Limit";
    static final String REMAINING = "X-RateLimit-Remaining";
    static final String RESET = "X-RateLimit-Reset";

    private static final String REALM = "Bearer realm=\"llm-mesh\"";

    private AuthProblems() {
    }

    /** No usable credentials: no challenge error, as RFC 6750 asks when the request had none. */
    static MutableHttpResponse<Problem> missingKey(String detail) {
        return problem(HttpStatus.UNAUTHORIZED, detail).header(HttpHeaders.WWW_AUTHENTICATE, REALM);
    }

    static MutableHttpResponse<Problem> unknownKey() {
        return problem(HttpStatus.UNAUTHORIZED, "the API key is not one this gateway accepts")
                .header(HttpHeaders.WWW_AUTHENTICATE, REALM + ", error=\"invalid_token\"");
    }

    static MutableHttpResponse<Problem> notAllowed(ApiKey key, ScopePolicy.Requirement requirement, String method, String path) {
        String needed = requirement.anyOf().stream().map(Scope::configName).sorted().collect(Collectors.joining(" or "));
        String held = key.scopes().stream().map(Scope::configName).sorted().collect(Collectors.joining("+"));
        return problem(HttpStatus.FORBIDDEN, "API key '" + key.name() + "' (scopes " + held + ") may not " + method + " "
                + path + ": that needs scope " + needed)
                .header(HttpHeaders.WWW_AUTHENTICATE, REALM + ", error=\"insufficient_scope\", scope=\""
                        + needed.replace(" or ", " ") + "\"");
    }

    static MutableHttpResponse<Problem> overLimit(String keyName, RateDecision decision) {
        MutableHttpResponse<Problem> response = problem(HttpStatus.TOO_MANY_REQUESTS, "API key '" + keyName
                + "' made more than " + decision.limit() + " requests this minute; retry after "
                + decision.retryAfterSeconds() + " s")
                .header(HttpHeaders.RETRY_AFTER, Long.toString(decision.retryAfterSeconds()));
        addLimitHeaders(response, decision);
        return response;
    }

    static void addLimitHeaders(MutableHttpResponse<?> response, RateDecision decision) {
        response.header(LIMIT, Long.toString(decision.limit()))
                .header(REMAINING, Long.toString(decision.remaining()))
                .header(RESET, Long.toString(decision.resetEpochSeconds()));
    }

    private static MutableHttpResponse<Problem> problem(HttpStatus status, String detail) {
        return HttpResponse.<Problem>status(status)
                .body(new Problem("about:blank", status.getReason(), status.getCode(), detail, null))
                .contentType(Problem.MEDIA_TYPE);
    }
}
