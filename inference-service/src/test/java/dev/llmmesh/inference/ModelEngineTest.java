package dev.llmmesh.inference;

import ai.djl.Device;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.inference.engine.ChunkSink;
import dev.llmmesh.inference.engine.InferenceMetrics;
import dev.llmmesh.inference.engine.ModelEngine;
import dev.llmmesh.inference.engine.Ticket;
import dev.llmmesh.inference.kv.KvPrefixStore;
import dev.llmmesh.inference.models.LoadedModel;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One engine without Kafka (chunks collected, tickets counted): its own safety net for a request that breaks
 * admission in a way no check foresaw, reached through a tokenizer that throws on one prompt.
 */
class ModelEngineTest {
    private static final String POISON = "this prompt breaks the tokenizer";

    @Test
    void aRequestWhoseAdmissionThrowsGetsOneErrorAndIsCommittedWhileTheRequestsBesideItComplete() throws Exception {
        String modelId = "engine-" + InferenceFixture.shortId();
        List<CompletionRequest> healthy = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            healthy.add(InferenceFixture.request(modelId, "The quick brown fox", 24, 1.0, 10 + i, 1));
        }
        CompletionRequest poison = InferenceFixture.request(modelId, POISON, 24, 1.0, 9, 1);
        List<CompletionChunk> chunks = new CopyOnWriteArrayList<>();
        ChunkSink sink = chunk -> {
            chunks.add(chunk);
            return CompletableFuture.completedFuture(null);
        };
        var announcement = ModelAnnouncement.base(modelId, Map.of(), TokenizerRegistry.GPT2, "models/" + modelId + "/",
                "test", Map.of(), Instant.now());
        var settings = new InferenceSettings(Set.of(), "engine-test", 8, 0, 4, Duration.ofMillis(50), "engine-test");
        ModelEngine engine = new ModelEngine(announcement,
                () -> new LoadedModel(GptModel.initialize(InferenceFixture.TINY, Device.cpu(), 3),
                        new ThrowsOn(POISON, Gpt2Vocabulary.gpt2())),
                settings, sink, new InferenceMetrics(new SimpleMeterRegistry()), KvPrefixStore.NONE);
        CountDownLatch answered = new CountDownLatch(healthy.size() + 1);
        List<String> answeredIds = new CopyOnWriteArrayList<>();
        // Queued before the engine starts: the first two are decoding when the poison is admitted, two come after.
        for (CompletionRequest request : List.of(healthy.get(0), healthy.get(1), poison, healthy.get(2),
                healthy.get(3))) {
            engine.submit(request, new Ticket() {
                @Override
                public int partition() {
                    return 0;
                }

                @Override
                public void answered() {
                    answeredIds.add(request.requestId());
                    answered.countDown();
                }
            });
        }
        try (engine) {
            engine.start();
            assertTrue(answered.await(2, TimeUnit.MINUTES), "answered (and so committed): " + answeredIds);
        }

        for (CompletionRequest request : healthy) {
            List<CompletionChunk> mine = of(chunks, request.requestId());
            CompletionChunk last = mine.getLast();
            assertNull(last.error(), () -> request.requestId() + " failed beside the poison: " + last.error());
            assertEquals("length", last.finishReason());
            assertEquals(24, last.usage().completionTokens());
            assertEquals(24, InferenceFixture.tokens(mine, 0).size());
        }
        List<CompletionChunk> refused = of(chunks, poison.requestId());
        assertEquals(1, refused.size(), "a single chunk: " + refused);
        CompletionChunk.InferenceError error = refused.getFirst().error();
        assertEquals(500, error.status());
        assertTrue(error.message().contains(poison.requestId()) && error.message().contains("report it"),
                error.message());
        assertEquals(1, answeredIds.stream().filter(poison.requestId()::equals).count(), "committed once");
    }

    private static List<CompletionChunk> of(List<CompletionChunk> chunks, String requestId) {
        return chunks.stream().filter(c -> requestId.equals(c.requestId())).toList();
    }

    /** GPT-2's tokenizer, except that one prompt makes it throw, as a bug only that input finds would. */
    private record ThrowsOn(String prompt, Tokenizer tokenizer) implements Tokenizer {
        @Override
        public String name() {
            return tokenizer.name();
        }

        @Override
        public int vocabSize() {
            return tokenizer.vocabSize();
        }

        @Override
        public Map<String, Integer> specialTokens() {
            return tokenizer.specialTokens();
        }

        @Override
        public int[] encode(String text, SpecialTokenPolicy policy) {
            if (prompt.equals(text)) {
                throw new IllegalStateException("a tokenizer bug this prompt finds");
            }
            return tokenizer.encode(text, policy);
        }

        @Override
        public byte[] decodeBytes(int[] ids) {
            return tokenizer.decodeBytes(ids);
        }
    }
}
