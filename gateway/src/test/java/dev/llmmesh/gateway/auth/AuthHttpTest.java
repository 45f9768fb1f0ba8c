package dev.llmmesh.gateway.auth;

import dev.llmmesh.testkit.UsesMeshInfra;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;
import java.util.UUID;

import static dev.llmmesh.gateway.auth.ApiKeysTest.sha256Hex;
import static dev.llmmesh.gateway.auth.HttpCalls.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole door, against the testkit's real redis-server: keys, scopes and the per-key limit. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthHttpTest implements UsesMeshInfra {
    private static final int LIMIT = 5;
    // Names differ per run, so counters left in Redis by an earlier run in the same minute do not count.
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String writer = "writer-" + run;
    private final String reader = "reader-" + run;
    private final String limited = "limited-" + run;
    private final String ops = "ops-" + run;
    private final String refusedOnly = "refused-" + run;

    @Inject
    EmbeddedServer server;
    @Inject
    RedisClient redis;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = HttpCalls.probeServerProperties();
        props.put("llm.auth.enabled", "true");
        props.put("llm.auth.api-keys", String.join(",",
                writer + ":" + sha256Hex(secret(writer)),
                reader + ":" + sha256Hex(secret(reader)) + ":read",
                limited + ":" + sha256Hex(secret(limited)) + ":read",
                ops + ":" + sha256Hex(secret(ops)) + ":admin",
                refusedOnly + ":" + sha256Hex(secret(refusedOnly)) + ":inference"));
        props.put("llm.auth.rate-limit.requests-per-minute", Integer.toString(LIMIT));
        return props;
    }

    private static String secret(String name) {
        return "secret-of-" + name;
    }

    private HttpCalls http() {
        return new HttpCalls(server.getURL());
    }

    @Test
    void noKeyIs401WithABearerChallenge() throws Exception {
        HttpCalls.Reply reply = http().call("GET", "/v1/auth-probe", null);
        assertProblem(reply, 401, "Authorization: Bearer");
        assertTrue(reply.header("WWW-Authenticate").startsWith("Bearer"), reply.header("WWW-Authenticate"));
    }

    @Test
    void refusalsOnTheOpenAiPathsAreInOpenAisErrorShape() throws Exception {
        HttpCalls.Reply reply = http().call("POST", "/v1/chat/completions", null);
        assertEquals(401, reply.status());
        assertEquals("authentication_error", reply.body().path("error").path("type").asText(), String.valueOf(reply.body()));
        assertTrue(reply.body().path("error").path("message").asText().contains("Authorization: Bearer"));
        assertTrue(reply.header("Content-Type").startsWith("application/json"), reply.header("Content-Type"));
        assertTrue(reply.header("WWW-Authenticate").startsWith("Bearer"), "the challenge stays");
    }

    @Test
    void anUnknownKeyIs401() throws Exception {
        HttpCalls.Reply reply = http().call("GET", "/v1/auth-probe", secret(writer) + "x");
        assertProblem(reply, 401, "not one this gateway accepts");
        assertTrue(reply.header("WWW-Authenticate").contains("invalid_token"), reply.header("WWW-Authenticate"));
    }

    @Test
    void aGoodKeyGetsThroughAndIsNamedToTheController() throws Exception {
        HttpCalls.Reply read = http().call("GET", "/v1/auth-probe", secret(writer));
        assertEquals(200, read.status(), String.valueOf(read.body()));
        assertEquals(writer, read.body().get("key").asText());
        assertEquals(Integer.toString(LIMIT), read.header("X-RateLimit-Limit"));
        HttpCalls.Reply write = http().call("POST", "/v1/auth-probe", secret(writer));
        assertEquals(200, write.status(), String.valueOf(write.body()));
    }

    @Test
    void aReadOnlyKeyMayReadButNotWrite() throws Exception {
        assertEquals(200, http().call("GET", "/v1/auth-probe", secret(reader)).status());
        HttpCalls.Reply reply = http().call("POST", "/v1/auth-probe", secret(reader));
        assertProblem(reply, 403, "needs scope write");
        assertTrue(reply.body().get("detail").asText().contains(reader), reply.body().toString());
    }

    @Test
    void onlyAdminReachesWhatIsOutsideTheApi() throws Exception {
        assertProblem(http().call("GET", "/auth-probe-admin", secret(writer)), 403, "needs scope admin");
        HttpCalls.Reply reply = http().call("GET", "/auth-probe-admin", secret(ops));
        assertEquals(200, reply.status(), String.valueOf(reply.body()));
        assertEquals(ops, reply.body().get("key").asText());
    }

    @Test
    void healthNeedsNoKey() throws Exception {
        HttpCalls.Reply reply = http().call("GET", "/health", null);
        assertEquals(200, reply.status(), String.valueOf(reply.body()));
        assertNull(reply.header("X-RateLimit-Limit"));
    }

    @Test
    void overTheLimitIs429UntilTheWindowEnds() throws Exception {
        // A fixed window restarts each minute; keep the burst inside one.
        long intoMinute = System.currentTimeMillis() % RedisRateLimiter.WINDOW_MILLIS;
        if (intoMinute > RedisRateLimiter.WINDOW_MILLIS - 5_000) {
            Thread.sleep(RedisRateLimiter.WINDOW_MILLIS - intoMinute + 50);
        }
        long started = System.currentTimeMillis();
        HttpCalls http = http();
        for (int i = 1; i <= LIMIT; i++) {
            HttpCalls.Reply ok = http.call("GET", "/v1/auth-probe", secret(limited));
            assertEquals(200, ok.status(), "request " + i + ": " + ok.body());
            assertEquals(Integer.toString(LIMIT - i), ok.header("X-RateLimit-Remaining"));
        }
        HttpCalls.Reply refused = http.call("GET", "/v1/auth-probe", secret(limited));
        assertProblem(refused, 429, "more than " + LIMIT + " requests");
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        assertEquals("0", refused.header("X-RateLimit-Remaining"));
        assertEquals(Integer.toString(LIMIT), refused.header("X-RateLimit-Limit"));
        long reset = Long.parseLong(refused.header("X-RateLimit-Reset"));
        assertEquals((started / RedisRateLimiter.WINDOW_MILLIS + 1) * 60, reset, "the end of the minute, in epoch seconds");

        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            String key = RedisRateLimiter.counterKey(limited, started);
            assertEquals("llm:ratelimit:" + limited + ":" + started / 60_000, key);
            assertEquals(Integer.toString(LIMIT + 1), connection.sync().get(key));
            long ttl = connection.sync().pttl(key);
            assertTrue(ttl > 0 && ttl <= 65_000, "counter TTL " + ttl);
        }
        // Other keys have their own counters.
        assertEquals(200, http.call("GET", "/v1/auth-probe", secret(reader)).status());
    }

    @Test
    void refusedRequestsAreNotCounted() throws Exception {
        assertProblem(http().call("POST", "/v1/auth-probe", secret(refusedOnly)), 403, "needs scope write");
        assertProblem(http().call("GET", "/v1/auth-probe", secret(refusedOnly)), 403, "needs scope read");
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            assertEquals(0, connection.sync().keys("llm:ratelimit:" + refusedOnly + ":*").size());
            // The same lookup does see a key that was let through, so the zero above means something.
            assertEquals(200, http().call("GET", "/v1/auth-probe", secret(ops)).status());
            assertEquals(1, connection.sync().keys("llm:ratelimit:" + ops + ":*").size());
        }
    }
}
