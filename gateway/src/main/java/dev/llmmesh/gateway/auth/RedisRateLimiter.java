package dev.llmmesh.gateway.auth;

import dev.llmmesh.mesh.RedisKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * mesh should keep serving when only its rate limiter's store is down.
 *
 * <p>The connection is opened in the background without waiting for it, so the gateway starts while
 * Redis is down; a failed connect is tried again at most every five seconds.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);

    static final long WINDOW_MILLIS = 60_000;
    /** Counters outlive their window a little, so replicas with slightly late clocks still find them. */
    private static final long EXPIRY_GRACE_MILLIS = 5_000;
    /** After a failed connect, do not try again for this long: each try costs a connect timeout. */
    private static final long RECONNECT_PAUSE_MILLIS = 5_000;

    // INCR, then PEXPIRE only when the key has no TTL yet: atomic in Redis, one round trip.
    private static final String SCRIPT = """
            local n = redis.call('INCR', KEYS[1])
            if redis.call('PTTL', KEYS[1]) < 0 then
              redis.call('PEXPIRE', KEYS[1], ARGV[1])
            end
            return n
            """;

    private final RedisClient client;
    private final RedisURI uri;
    private final int requestsPerMinute;
    private final Duration timeout;
    private final Clock clock;
    private final AtomicBoolean failing = new AtomicBoolean(false);

    private CompletableFuture<StatefulRedisConnection<String, String>> connection;
    private long lastConnectAttempt;

    public RedisRateLimiter(RedisClient client, String redisUri, int requestsPerMinute, Duration timeout, Clock clock) {
        if (requestsPerMinute < 1) {
            throw new IllegalArgumentException("requestsPerMinute must be at least 1, got " + requestsPerMinute);
        }
        this.client = client;
        this.uri = RedisURI.create(redisUri);
        this.requestsPerMinute = requestsPerMinute;
        this.timeout = timeout;
        this.clock = clock;
        connection(); // connect in the background now, so the first request does not wait for it
    }

    /** The Redis key counting {@code keyName}'s requests in the window that holds {@code epochMillis}. */
    public static String counterKey(String keyName, long epochMillis) {
        return RedisKeys.rateLimit(keyName, epochMillis / WINDOW_MILLIS);
    }

    @Override
    public RateDecision count(String keyName) {
        long now = clock.millis();
        long windowEnd = (now / WINDOW_MILLIS + 1) * WINDOW_MILLIS;
        CompletableFuture<StatefulRedisConnection<String, String>> pending = connection();
        if (pending == null) {
            return RateDecision.UNCOUNTED;
        }
        String ttl = Long.toString(windowEnd - now + EXPIRY_GRACE_MILLIS);
        String[] keys = {counterKey(keyName, now)};
        CompletableFuture<Long> counted = pending
                .thenCompose(open -> {
                    // While Lettuce reconnects it would queue commands; give up at once instead.
                    if (!open.isOpen()) {
                        return CompletableFuture.failedFuture(new IllegalStateException("connection lost, reconnecting"));
                    }
                    return open.async().<Long>eval(SCRIPT, ScriptOutputType.INTEGER, keys, ttl).toCompletableFuture();
                })
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return counted.handle((n, error) -> {
            if (error != null) {
                failed("counting requests for key '" + keyName + "' failed: " + error);
                return RateDecision.UNCOUNTED;
            }
            recovered();
            return decide(n, now, windowEnd);
        }).join();
    }

    private RateDecision decide(long count, long now, long windowEnd) {
        long resetSeconds = Math.ceilDiv(windowEnd, 1000);
        long retryAfter = Math.max(1, Math.ceilDiv(windowEnd - now, 1000));
        boolean allowed = count <= requestsPerMinute;
        return new RateDecision(allowed, requestsPerMinute, Math.max(0, requestsPerMinute - count), resetSeconds,
                allowed ? 0 : retryAfter);
    }

    /**
     * The connection (possibly still connecting), or null when the last connect failed less than
     * {@link #RECONNECT_PAUSE_MILLIS} ago: each try costs a connect timeout, so not every request makes one.
     */
    private synchronized CompletableFuture<StatefulRedisConnection<String, String>> connection() {
        CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
        if (current != null && !current.isCompletedExceptionally()) {
            return current;
        }
        long now = clock.millis();
        if (current != null && now - lastConnectAttempt < RECONNECT_PAUSE_MILLIS) {
            return null;
        }
        lastConnectAttempt = now;
        CompletableFuture<StatefulRedisConnection<String, String>> attempt =
                client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        attempt.whenComplete((c, error) -> {
            if (error != null) {
                failed("cannot connect to Redis at " + uri.getHost() + ":" + uri.getPort() + ": " + error.getMessage());
            }
        });
        connection = attempt;
        return attempt;
    }

    private void failed(String why) {
        if (failing.compareAndSet(false, true)) {
            LOG.warn("Rate limiting is failing open (requests go through uncounted) until Redis answers again: {}", why);
        }
    }

    private void recovered() {
        if (failing.compareAndSet(true, false)) {
            LOG.info("Redis answers again: rate limiting is back on");
        }
    }

    @Override
    public synchronized void close() {
        CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
        if (current != null && current.isDone() && !current.isCompletedExceptionally()) {
            current.join().close();
        }
    }
}
