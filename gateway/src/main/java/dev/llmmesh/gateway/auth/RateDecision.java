package dev.llmmesh.gateway.auth;

/**
 * The outcome of counting one request: whether it may go on, and what the client should be told in
 * {@code X-RateLimit-*} and {@code Retry-After}. {@code resetEpochSeconds} is when the current window
 * ends. {@link #UNCOUNTED} stands for "not counted" (limits off, or Redis unreachable).
 */
public record RateDecision(boolean allowed, long limit, long remaining, long resetEpochSeconds, long retryAfterSeconds) {
    public static final RateDecision UNCOUNTED = new RateDecision(true, 0, 0, 0, 0);

    public boolean counted() {
        return limit > 0;
    }
}
