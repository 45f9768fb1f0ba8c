package dev.llmmesh.gateway.auth;

import dev.llmmesh.servicekit.http.Problem;
import dev.llmmesh.servicekit.http.ProblemResponses;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.util.StringUtils;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Optional;

/**
 * The gateway's door: every request either is public ({@link ScopePolicy}), or carries
 * {@code Authorization: Bearer <key>} for a configured key that holds the scope the request needs,
 * and is within that key's rate limit. Refusals are 401, 403 or 429 problem bodies
 * ({@link AuthProblems}); accepted requests carry the key's name in {@link AuthAttributes#KEY_NAME}
 * and get {@code X-RateLimit-*} headers on the response.
 *
 * <p>Not registered at all with {@code llm.auth.enabled=false}: it would only hop every request onto the blocking
 * executor and back to say yes.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
@Requires(property = "llm.auth.enabled", notEquals = StringUtils.FALSE)
@Order(AuthFilter.ORDER)
public final class AuthFilter {
    private static final Logger LOG = LoggerFactory.getLogger(AuthFilter.class);

    /** ServerFilterPhase.SECURITY.order(): after tracing, so refusals show up in traces, before anything that does work. */
    static final int ORDER = 39_000;
    private static final String DECISION = "llm.auth.rate-decision";
    private static final String BEARER = "bearer ";

    private final boolean enabled;
    private final ScopePolicy policy;
    private final KeyMatcher keys;
    private final RateLimiter limiter;
    private final ProblemResponses responses;

    AuthFilter(AuthConfig config, ScopePolicy policy, KeyMatcher keys, RateLimiter limiter, ProblemResponses responses) {
        this.enabled = config.enabled();
        this.policy = policy;
        this.keys = keys;
        this.limiter = limiter;
        this.responses = responses;
    }

    /** On the blocking executor (virtual threads where there are any): counting waits on Redis. */
    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    public @Nullable HttpResponse<?> authenticate(HttpRequest<?> request) {
        if (!enabled) {
            return null;
        }
        String method = request.getMethodName();
        String path = request.getPath();
        ScopePolicy.Requirement requirement = policy.requirement(method, path);
        if (requirement.open()) {
            return null;
        }
        Optional<String> secret = bearerToken(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
        if (secret.isEmpty()) {
            return refuse(request, AuthProblems.missingKey("this endpoint needs an API key: send the header 'Authorization: Bearer <key>'"));
        }
        Optional<ApiKey> found = keys.match(secret.get());
        if (found.isEmpty()) {
            LOG.debug("refused {} {}: unknown API key", method, path);
            return refuse(request, AuthProblems.unknownKey());
        }
        ApiKey key = found.get();
        if (!key.holdsAnyOf(requirement.anyOf())) {
            LOG.info("refused {} {} for API key '{}': needs scope {}", method, path, key.name(), requirement.anyOf());
            return refuse(request, AuthProblems.notAllowed(key, requirement, method, path));
        }
        request.setAttribute(AuthAttributes.KEY_NAME, key.name());
        RateDecision decision = limiter.count(key.name());
        request.setAttribute(DECISION, decision);
        if (!decision.allowed()) {
            LOG.debug("refused {} {} for API key '{}': over {} requests per minute", method, path, key.name(), decision.limit());
            return refuse(request, AuthProblems.overLimit(key.name(), decision));
        }
        return null;
    }

    /** In the shape the request's path speaks: OpenAI's error on the OpenAI paths, a problem body elsewhere. */
    private HttpResponse<?> refuse(HttpRequest<?> request, MutableHttpResponse<Problem> refusal) {
        return responses.write(request, refusal.body(), refusal);
    }

    /** Tells every counted request, refused or not, where it stands against its limit. */
    @ResponseFilter
    public void rateLimitHeaders(HttpRequest<?> request, MutableHttpResponse<?> response) {
        request.getAttribute(DECISION, RateDecision.class)
                .filter(RateDecision::counted)
                .ifPresent(decision -> AuthProblems.addLimitHeaders(response, decision));
    }

    /** The credentials of an {@code Authorization: Bearer <token>} header; the scheme is case-insensitive. */
    static Optional<String> bearerToken(@Nullable String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return Optional.empty();
        }
        String token = authorization.substring(BEARER.length()).strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

}
