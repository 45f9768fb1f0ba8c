package dev.llmmesh.gateway.auth;

/**
 * Counts a key's requests against its limit. Blocking (for at most the store's timeout): the filter
 * calls it on Micronaut's blocking executor, never on the event loop.
 */
public interface RateLimiter extends AutoCloseable {

    /** Never fails: a limiter that cannot count answers {@link RateDecision#UNCOUNTED}. */
    RateDecision count(String keyName);

    /** Lets go of connections; a limiter without any has nothing to do. */
    @Override
    default void close() {
    }

    /** Rate limiting switched off. */
    RateLimiter OFF = keyName -> RateDecision.UNCOUNTED;
}
