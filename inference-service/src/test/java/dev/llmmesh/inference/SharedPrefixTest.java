package dev.llmmesh.inference;

import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.inference.engine.ModelEngine;
import dev.llmmesh.inference.kv.PrefixBlocks;
import dev.llmmesh.inference.models.ModelCatalog;
import dev.llmmesh.mesh.RedisKeys;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.testkit.MeshInfra;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.llmmesh.inference.InferenceFixture.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two service instances, one after the other, share the real redis-server: the first answers a long prompt and
 * leaves its prefix's KV blocks there; the second answers the same prompt by loading them, with the same output,
 * feeding only the tokens after the last whole block through the model.
 */
class SharedPrefixTest {
    private static final Logger LOG = LoggerFactory.getLogger(SharedPrefixTest.class);
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    /** Wide enough that a 4-block prefill is a visible share of the first token's time on a CPU. */
    private static final GptConfig MODEL = new GptConfig(50257, 512, 256, 4, 4, 0.0, 1e-5);
    private static final int BLOCK = 64;
    private static final int BLOCKS = 4;

    private record Answer(List<Integer> tokens, String text, double ttftMs, int cachedTokens) {
    }

    @Test
    void aSecondInstanceContinuesFromThePrefixTheFirstStoredInRedis() throws Exception {
        Path artifacts = InferenceFixture.tempDir();
        String model = "kv-shared-" + InferenceFixture.shortId();
        Map<String, Object> props = InferenceFixture.properties(artifacts, "inference-kv-" + InferenceFixture.shortId());
        props.put("llm.inference.models", model);
        props.put("llm.inference.kv-prefix.block-tokens", BLOCK);
        // The first token leaves alone, so the time to first token is the prefill's, not the chunking's.
        props.put("llm.inference.chunk-tokens", 1);
        BpeTokenizer gpt2 = Gpt2Vocabulary.gpt2();
        String prompt = longPrompt(gpt2);
        int promptTokens = gpt2.encode(prompt).length;
        List<String> digests = PrefixBlocks.digests(gpt2.encode(prompt), BLOCK);
        assertEquals(BLOCKS, digests.size());

        Answer cold;
        try (ApplicationContext one = ApplicationContext.run(props, "test")) {
            InferenceFixture.publishModel(artifacts, model, MODEL, 23);
            awaitReady(one, model);
            ask(one, model, "Call me Ishmael.", 4);
            cold = ask(one, model, prompt, 24);
            assertEquals(0, promptTokens(one, model, "cache"), "nothing was stored before the first instance ran");
            awaitStored(model, digests);
        }

        Answer warm;
        try (ApplicationContext two = ApplicationContext.run(props, "test")) {
            awaitReady(two, model);
            // The same warm-up as the first instance's (another prompt, not a whole block): both measure warmed up.
            ask(two, model, "It was the best of times.", 4);
            double modelTokensBefore = promptTokens(two, model, "model");
            warm = ask(two, model, prompt, 24);
            assertEquals(BLOCKS * BLOCK, promptTokens(two, model, "cache"), "every whole block came from Redis");
            assertEquals(promptTokens - BLOCKS * BLOCK, promptTokens(two, model, "model") - modelTokensBefore,
                    "only the tokens after the last block went through the model");
        }

        assertEquals(cold.tokens(), warm.tokens(), "the same tokens");
        assertEquals(cold.text(), warm.text());
        assertEquals(0, cold.cachedTokens(), "usage: nothing cached for the first instance");
        assertEquals(BLOCKS * BLOCK, warm.cachedTokens(), "usage reports the prompt tokens served from Redis");
        LOG.info("time to first token for a {}-token prompt ({} blocks of {}): cold {} ms, from Redis {} ms"
                        + " (load average {})", promptTokens, BLOCKS, BLOCK, "%.1f".formatted(cold.ttftMs()),
                "%.1f".formatted(warm.ttftMs()),
                "%.2f".formatted(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    }

    /** The start of Moby-Dick, cut to between BLOCKS whole blocks plus one token and a few tokens more. */
    private static String longPrompt(BpeTokenizer tokenizer) throws Exception {
        String book = Files.readString(Path.of("..", "datasets", "corpus", "moby-dick.txt"));
        for (int chars = 600; chars < book.length(); chars += 8) {
            int count = tokenizer.encode(book.substring(0, chars)).length;
            if (count > BLOCKS * BLOCK && count <= BLOCKS * BLOCK + 24) {
                return book.substring(0, chars);
            }
        }
        throw new IllegalStateException("no cut of the book has the right length");
    }

    /** Sends the request, waits for its whole answer; the replica's own time to first token for it. */
    private static Answer ask(ApplicationContext ctx, String model, String prompt, int maxTokens) {
        CompletionRequest request = InferenceFixture.request(model, prompt, maxTokens, 0.9, 77, 1);
        Timer ttft = ctx.getBean(MeterRegistry.class).timer("llm.inference.time.to.first.token", "model", model);
        double before = ttft.totalTime(TimeUnit.NANOSECONDS);
        long count = ttft.count();
        try {
            InferenceFixture.send(request);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        List<CompletionChunk> chunks = InferenceFixture.answer(request.requestId(), TIMEOUT);
        assertEquals(maxTokens, chunks.getLast().usage().completionTokens(), "a whole answer");
        assertEquals(count + 1, ttft.count());
        return new Answer(tokens(chunks, 0), InferenceFixture.text(chunks, 0),
                (ttft.totalTime(TimeUnit.NANOSECONDS) - before) / 1e6, chunks.getLast().usage().cachedTokens());
    }

    private static double promptTokens(ApplicationContext ctx, String model, String source) {
        Counter counter = ctx.getBean(MeterRegistry.class).find("llm.inference.prompt.tokens")
                .tags("model", model, "source", source).counter();
        return counter == null ? 0 : counter.count();
    }

    private static void awaitReady(ApplicationContext ctx, String model) throws InterruptedException {
        ModelCatalog catalog = ctx.getBean(ModelCatalog.class);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (catalog.find(model).map(ModelEngine::state).orElse(null) != ModelEngine.State.READY) {
            assertTrue(System.nanoTime() < deadline, "model " + model + " never got ready");
            Thread.sleep(50);
        }
    }

    /** The blocks are written behind the answer; the next instance should not race them. */
    private static void awaitStored(String model, List<String> digests) throws InterruptedException {
        RedisClient client = RedisClient.create(MeshInfra.get().redisUri());
        try (var connection = client.connect()) {
            String[] keys = digests.stream().map(d -> RedisKeys.kvPrefix(model, d)).toArray(String[]::new);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (connection.sync().exists(keys) < keys.length) {
                assertTrue(System.nanoTime() < deadline, "the first instance never stored its prefix blocks");
                Thread.sleep(50);
            }
        } finally {
            client.shutdown();
        }
    }
}
