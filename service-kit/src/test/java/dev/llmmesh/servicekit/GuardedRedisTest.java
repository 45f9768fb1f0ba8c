package dev.llmmesh.servicekit;

import dev.llmmesh.mesh.CircuitBreaker;
import dev.llmmesh.mesh.GuardedRedis;
import dev.llmmesh.mesh.RedisShardCache;
import dev.llmmesh.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one way to Redis every cache uses, against a real redis-server of the test's own that it stops, restarts and
 * pauses: an outage costs callers one short timeout, not Lettuce's 60 s per call, and Redis is used again once back.
 */
class GuardedRedisTest {
    private static final GuardedRedis.Settings SETTINGS = new GuardedRedis.Settings(Duration.ofMillis(500),
            Duration.ofMillis(500), Duration.ofMillis(300));

    @Test
    void whileRedisIsStoppedEveryCallMissesAtOnceAndOnceItIsBackCallsWorkAgain() throws Exception {
        byte[] tokens = "packed tokens".getBytes(StandardCharsets.UTF_8);
        try (RedisServer server = RedisServer.start(); GuardedRedis redis = GuardedRedis.create(server.uri(), SETTINGS)) {
            RedisShardCache cache = new RedisShardCache(redis, Duration.ofMinutes(1));
            awaitAnswer(redis); // a cold JVM's first connect may take longer than the timeout
            cache.put("gpt2", "moby", 0, tokens);
            assertArrayEquals(tokens, cache.get("gpt2", "moby", 0).orElseThrow(), "cached while Redis is up");

            server.stop();
            long t0 = System.nanoTime();
            for (int shard = 0; shard < 500; shard++) {
                cache.put("gpt2", "moby", shard, tokens);
                assertEquals(Optional.empty(), cache.get("gpt2", "moby", shard), "a miss while Redis is down");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 2000, "1000 calls while Redis is down took " + ms + " ms");
            CircuitBreaker.Status down = redis.status();
            assertNotEquals(CircuitBreaker.State.CLOSED, down.state());
            assertNotNull(down.failingSince());
            assertNotNull(down.lastError());

            server.restart();
            long back = System.nanoTime();
            awaitAnswer(redis);
            ms = (System.nanoTime() - back) / 1_000_000;
            assertTrue(ms < 1500, "Redis is used again " + ms + " ms after it came back, not within a cool-down");
            assertEquals(CircuitBreaker.State.CLOSED, redis.status().state());
            cache.put("gpt2", "moby", 1, tokens);
            assertArrayEquals(tokens, cache.get("gpt2", "moby", 1).orElseThrow(), "cached again");
        }
    }

    @Test
    void aRedisThatStopsAnsweringCostsOneTimeoutThenIsSkippedUntilItAnswers() throws Exception {
        try (RedisServer server = RedisServer.start(); GuardedRedis redis = GuardedRedis.create(server.uri(), SETTINGS)) {
            awaitAnswer(redis);
            RedisClient client = RedisClient.create(server.uri());
            try (var connection = client.connect()) {
                // the server stops serving every client, as a stalled or overloaded one would
                connection.sync().clientPause(1500);
            } finally {
                client.shutdown();
            }
            long t0 = System.nanoTime();
            assertFalse(redis.ping(), "no answer while paused");
            long first = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(first >= 400 && first < 1000, "the first call waited " + first + " ms, not the 500 ms timeout");
            t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                assertFalse(redis.ping());
            }
            long rest = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(rest < 200, "100 calls while Redis is skipped took " + rest + " ms");
            awaitAnswer(redis);
        }
    }

    private static void awaitAnswer(GuardedRedis redis) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!redis.ping()) {
            assertTrue(System.nanoTime() < deadline, "Redis never answered: " + redis.status());
            Thread.sleep(20);
        }
    }
}
