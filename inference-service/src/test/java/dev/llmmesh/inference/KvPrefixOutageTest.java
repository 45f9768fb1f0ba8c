package dev.llmmesh.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.inference.engine.ModelEngine;
import dev.llmmesh.inference.models.ModelCatalog;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.testkit.RedisServer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis stopped under a replica with the KV prefix cache on (a redis-server of this test's own): completions whose
 * prompts span whole blocks, so they look blocks up and store them, are answered within seconds without it, and
 * /health answers 200 with Redis DEGRADED.
 */
class KvPrefixOutageTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final int BLOCK = 16;
    private static final String PROMPT = "Call me Ishmael. Some years ago, never mind how long precisely, having little "
            + "or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about.";

    @Test
    void withRedisStoppedCompletionsWithTheKvPrefixCacheOnAreAnsweredWithinSecondsAndHealthSaysDegraded() throws Exception {
        Path artifacts = InferenceFixture.tempDir();
        String model = "kv-outage-" + InferenceFixture.shortId();
        Map<String, Object> props = InferenceFixture.properties(artifacts, "inference-kv-" + InferenceFixture.shortId());
        props.put("llm.inference.models", model);
        props.put("llm.inference.kv-prefix.block-tokens", BLOCK);
        try (RedisServer redis = RedisServer.start()) {
            props.put("redis.uri", redis.uri());
            try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props, "test")) {
                InferenceFixture.publishModel(artifacts, model, InferenceFixture.TINY, 5);
                awaitReady(server.getApplicationContext(), model);
                ask(model, PROMPT, 8); // with Redis up: the replica holds its connections when Redis goes
                assertEquals("UP", health(server).path("details").path("redis").path("status").asText());

                redis.stop();
                for (String prompt : List.of(PROMPT, PROMPT + " It is a way I have.")) {
                    long t0 = System.nanoTime();
                    List<CompletionChunk> chunks = ask(model, prompt, 8);
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertEquals(8, chunks.getLast().usage().completionTokens(), "a whole answer");
                    assertEquals(0, chunks.getLast().usage().cachedTokens(), "nothing from the stopped Redis");
                    assertTrue(ms < 5000, "a completion with Redis down took " + ms + " ms");
                }
                JsonNode degraded = health(server);
                assertEquals("DEGRADED", degraded.path("status").asText(), degraded.toString());
                JsonNode entry = degraded.path("details").path("redis");
                assertEquals("DEGRADED", entry.path("status").asText(), entry.toString());
                assertTrue(entry.path("details").path("message").asText().contains("unreachable"), entry.toString());
            }
        }
    }

    private static List<CompletionChunk> ask(String model, String prompt, int maxTokens) throws Exception {
        CompletionRequest request = InferenceFixture.request(model, prompt, maxTokens, 0.9, 77, 1);
        InferenceFixture.send(request);
        return InferenceFixture.answer(request.requestId(), TIMEOUT);
    }

    /** GET /health, which must answer 200 whatever Redis does. */
    private static JsonNode health(EmbeddedServer server) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.getURL() + "/health")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return Json.LENIENT.readTree(response.body());
    }

    private static void awaitReady(ApplicationContext ctx, String model) throws InterruptedException {
        ModelCatalog catalog = ctx.getBean(ModelCatalog.class);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (catalog.find(model).map(ModelEngine::state).orElse(null) != ModelEngine.State.READY) {
            assertTrue(System.nanoTime() < deadline, "model " + model + " never got ready");
            Thread.sleep(50);
        }
    }
}
