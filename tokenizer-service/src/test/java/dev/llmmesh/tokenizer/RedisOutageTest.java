package dev.llmmesh.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.RedisServer;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis stopped under a running tokenizer-service (a redis-server of this test's own, not the shared one): jobs go on
 * from the artifact store within seconds, not Lettuce's 60 s per shard, and /health answers 200 with Redis DEGRADED.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisOutageTest implements UsesMeshInfra {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(90);

    private final RedisServer redis = RedisServer.start();
    private final HttpClient http = HttpClient.newHttpClient();

    @Inject
    EmbeddedServer server;

    @Inject
    ArtifactStore artifacts;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = TokenizerTests.properties();
        props.put("redis.uri", redis.uri());
        props.put("llm.redis.cool-down", "1s");
        return props;
    }

    @AfterAll
    void stopRedis() {
        redis.close();
    }

    @Test
    void withRedisStoppedATokenizeJobFinishesWithinSecondsAndHealthSaysRedisIsDegraded() throws Exception {
        // First with Redis up, so the service holds a connection when Redis goes: the case that waited 60 s per call.
        String warm = TokenizerTests.tokenizeSmallDataset(artifacts, "before-outage-", Map.of());
        assertEquals(JobState.SUCCEEDED, KafkaProbe.eventsUntilTerminal(warm, JOB_TIMEOUT).getLast().state());
        assertEquals("UP", health().path("details").path("redis").path("status").asText());

        redis.stop();
        long t0 = System.nanoTime();
        String jobId = TokenizerTests.tokenizeSmallDataset(artifacts, "during-outage-", Map.of());
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, JOB_TIMEOUT).getLast();
        long seconds = (System.nanoTime() - t0) / 1_000_000_000;
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        assertTrue(seconds < 10, "a 3-shard job with Redis down took " + seconds + " s");

        JsonNode degraded = health();
        assertEquals("DEGRADED", degraded.path("status").asText(), degraded.toString());
        JsonNode entry = degraded.path("details").path("redis");
        assertEquals("DEGRADED", entry.path("status").asText(), entry.toString());
        assertTrue(entry.path("details").path("message").asText().contains("unreachable"), entry.toString());
        assertTrue(entry.path("details").has("error"), entry.toString());

        redis.restart();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!"UP".equals(health().path("status").asText())) {
            assertTrue(System.nanoTime() < deadline, "health is UP again once Redis is back: " + health());
            Thread.sleep(100);
        }
    }

    /** GET /health, which must answer 200 whatever Redis does. */
    private JsonNode health() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return Json.LENIENT.readTree(response.body());
    }
}
