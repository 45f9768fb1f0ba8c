package dev.llmmesh.inference;

import dev.llmmesh.inference.engine.ModelEngine;
import dev.llmmesh.inference.models.ModelCatalog;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.testkit.RedisServer;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis stopped under a replica with the KV prefix cache on (a redis-server of this test's own): completions whose
 * prompts span whole blocks, so they look blocks up and store them, are answered within seconds without it.
 */
class KvPrefixOutageTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final int BLOCK = 16;
    private static final String PROMPT = "Call me Ishmael. Some years ago, never mind how long precisely, having little "
            + "or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about.";

    @Test
    void withRedisStoppedCompletionsWithTheKvPrefixCacheOnAreAnsweredWithinSeconds() throws Exception {
        Path artifacts = InferenceFixture.tempDir();
        String model = "kv-outage-" + InferenceFixture.shortId();
        Map<String, Object> props = InferenceFixture.properties(artifacts, "inference-kv-" + InferenceFixture.shortId());
        props.put("llm.inference.models", model);
        props.put("llm.inference.kv-prefix.block-tokens", BLOCK);
        try (RedisServer redis = RedisServer.start()) {
            props.put("redis.uri", redis.uri());
            try (ApplicationContext ctx = ApplicationContext.run(props, "test")) {
                InferenceFixture.publishModel(artifacts, model, InferenceFixture.TINY, 5);
                awaitReady(ctx, model);
                ask(model, PROMPT, 8); // with Redis up: the replica holds its connections when Redis goes

                redis.stop();
                for (String prompt : List.of(PROMPT, PROMPT + " It is a way I have.")) {
                    long t0 = System.nanoTime();
                    List<CompletionChunk> chunks = ask(model, prompt, 8);
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertEquals(8, chunks.getLast().usage().completionTokens(), "a whole answer");
                    assertEquals(0, chunks.getLast().usage().cachedTokens(), "nothing from the stopped Redis");
                    assertTrue(ms < 5000, "a completion with Redis down took " + ms + " ms");
                }
            }
        }
    }

    private static List<CompletionChunk> ask(String model, String prompt, int maxTokens) throws Exception {
        CompletionRequest request = InferenceFixture.request(model, prompt, maxTokens, 0.9, 77, 1);
        InferenceFixture.send(request);
        return InferenceFixture.answer(request.requestId(), TIMEOUT);
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
