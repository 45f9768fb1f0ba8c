package dev.llmmesh.gateway.auth;

import dev.llmmesh.mesh.GuardedRedis;
import dev.llmmesh.mesh.RedisKeys;
import io.lettuce.core.ScriptOutputType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fixed one-minute window per key, counted in Redis under {@code llm:ratelimit:{keyName}:{window}}
 * where {@code window} is the minute since the epoch (gateway clock). The counter is incremented and
 * given its expiry by one Lua script, so a counter can never be left without a TTL and several gateway
 * replicas share one count. A fixed window lets a key make up to twice its limit across a window
 * boundary; that is the price of one key and one round trip per request.
 *
 * <p>Fail-open: when Redis cannot be reached or answers too slowly, requests go through uncounted
 * and one warning is logged per outage (and one line when counting works again). A self-hosted
 * mesh should keep serving when only its rate limiter's store is down. Redis is reached through
 * {@link GuardedRedis}: a request waits for it at most {@code llm.auth.rate-limit.redis-timeout}, and
 * not at all while its breaker skips Redis after a failure; the gateway starts while Redis is down.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);

    static final long WINDOW_MILLIS = 60_000;
    /** Counters outlive their window a little, so replicas with slightly late clocks still find them. */
    private static final long EXPIRY_GRACE_MILLIS = 5_000;

    // INCR, then PEXPIRE only when the key has no TTL yet: atomic in Redis, one round trip.
    private static final String SCRIPT = """
            local n = redis.call('INCR', KEYS[1])
            if redis.call('PTTL', KEYS[1]) < 0 then
              redis.call('PEXPIRE', KEYS[1], ARGV[1])
            end
            return n
            """;

    private final GuardedRedis redis;
    private final int requestsPerMinute;
    private final Duration timeout;
    private final Clock clock;
    private final AtomicBoolean failing = new AtomicBoolean(false);

    public RedisRateLimiter(GuardedRedis redis, int requestsPerMinute, Duration timeout, Clock clock) {
        if (requestsPerMinute < 1) {
            throw new IllegalArgumentException("requestsPerMinute must be at least 1, got " + requestsPerMinute);
        }
        this.redis = redis;
        this.requestsPerMinute = requestsPerMinute;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The Redis key counting {@code keyName}'s requests in the window that holds {@code epochMillis}. */
    public static String counterKey(String keyName, long epochMillis) {
        return RedisKeys.rateLimit(keyName, epochMillis / WINDOW_MILLIS);
    }

    @Override
    public RateDecision count(String keyName) {
        long now = clock.millis();
        long windowEnd = (now / WINDOW_MILLIS + 1) * WINDOW_MILLIS;
        byte[][] keys = {counterKey(keyName, now).getBytes(StandardCharsets.UTF_8)};
        byte[][] ttl = {Long.toString(windowEnd - now + EXPIRY_GRACE_MILLIS).getBytes(StandardCharsets.UTF_8)};
        Optional<Long> counted = redis.call("counting requests for key '" + keyName + "'", timeout,
                r -> r.<Long>eval(SCRIPT, ScriptOutputType.INTEGER, keys, ttl));
        if (counted.isEmpty()) {
            if (failing.compareAndSet(false, true)) {
                LOG.warn("Rate limiting is failing open (requests go through uncounted) until Redis at {} answers "
                        + "again", redis.address());
            }
            return RateDecision.UNCOUNTED;
        }
        if (failing.compareAndSet(true, false)) {
            LOG.info("Redis answers again: rate limiting is back on");
        }
        return decide(counted.get(), now, windowEnd);
    }

    private RateDecision decide(long count, long now, long windowEnd) {
        long resetSeconds = Math.ceilDiv(windowEnd, 1000);
        long retryAfter = Math.max(1, Math.ceilDiv(windowEnd - now, 1000));
        boolean allowed = count <= requestsPerMinute;
        return new RateDecision(allowed, requestsPerMinute, Math.max(0, requestsPerMinute - count), resetSeconds,
                allowed ? 0 : retryAfter);
    }
}
