package dev.llmmesh.inference;

import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.inference.models.LoadPolicy;
import dev.llmmesh.inference.models.ModelCatalog;
import dev.llmmesh.inference.models.ModelsController;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.testkit.KafkaProbe;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Models loaded on first request within {@code llm.inference.memory-budget}: real Kafka, real model files, a budget
 * for two and a half of the test's models, one of them pinned, nothing loaded at announcement otherwise.
 */
class ModelLoadingTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @Test
    void modelsLoadOnFirstRequestAnsweringLoadingUntilReadyAndTheLeastRecentlyUsedIdleOneMakesRoom()
            throws Exception {
        Path artifacts = InferenceFixture.tempDir();
        String pinned = InferenceFixture.publishModel(artifacts, InferenceFixture.TINY, 1);
        String a = InferenceFixture.publishModel(artifacts, InferenceFixture.TINY, 2);
        String b = InferenceFixture.publishModel(artifacts, InferenceFixture.TINY, 3);
        String big = "big-" + InferenceFixture.shortId();
        @SuppressWarnings("unchecked")
        Map<String, Object> xl = Json.LENIENT.convertValue(GptConfig.named("gpt2-xl"), Map.class);
        KafkaProbe.send(Topics.MODELS, big, Json.bytes(ModelAnnouncement.base(big, xl, TokenizerRegistry.GPT2,
                "models/" + big, "fixture", Map.of(), Instant.now())));

        @SuppressWarnings("unchecked")
        var tiny = ModelAnnouncement.base("x", Json.LENIENT.convertValue(InferenceFixture.TINY, Map.class),
                TokenizerRegistry.GPT2, "models/x", "j", Map.of(), Instant.now());
        var settings = new InferenceSettings(Set.of(), "g", 8, 0, 4, Duration.ofMillis(50), "r");
        long one = new LoadPolicy(0, List.of(), true, settings).bytes(tiny);

        Map<String, Object> props = InferenceFixture.properties(artifacts, "inference-loading-" + InferenceFixture.shortId());
        props.put("llm.inference.models", String.join(",", pinned, a, b, big));
        props.put("llm.inference.memory-budget", Long.toString(one * 5 / 2));
        props.put("llm.inference.pinned-models", pinned);
        props.put("llm.inference.load-on-announce", "false");
        try (ApplicationContext ctx = ApplicationContext.run(props, "test")) {
            ModelCatalog catalog = ctx.getBean(ModelCatalog.class);
            awaitState(catalog, pinned, "ready"); // pinned: loaded at announcement
            assertEquals("unloaded", state(catalog, a), "the others wait for a request");

            InferenceError loading = complete(a).error();
            assertNotNull(loading, "the first request for an unloaded model is answered at once");
            assertEquals(503, loading.status());
            assertEquals(InferenceError.MODEL_LOADING, loading.code());
            assertTrue(loading.retryAfterSeconds() != null && loading.retryAfterSeconds() >= 2, loading.toString());
            awaitState(catalog, a, "ready");
            CompletionChunk answered = complete(a);
            assertNull(answered.error(), () -> "once loaded it answers: " + answered.error());
            assertEquals(3, answered.usage().completionTokens());

            // B does not fit beside A and the pinned model: A, idle and least recently used, makes room.
            CompletionChunk fromB = completeRetrying(b);
            assertNull(fromB.error(), () -> "B answered once loaded: " + fromB.error());
            Map<String, String> states = catalog.listing().stream().collect(Collectors.toMap(
                    s -> s.announcement().modelId(), ModelCatalog.Status::state));
            assertEquals("unloaded", states.get(a), states.toString());
            assertEquals("ready", states.get(b), states.toString());
            assertEquals("ready", states.get(pinned), "a pinned model is never unloaded: " + states);
            var listed = ctx.getBean(ModelsController.class).list().data().stream()
                    .filter(m -> m.id().equals(pinned)).findFirst().orElseThrow();
            assertTrue(listed.pinned());

            InferenceError tooLarge = complete(big).error();
            assertNotNull(tooLarge, "a model larger than the whole budget is refused");
            assertEquals("model_too_large", tooLarge.code());
            assertTrue(tooLarge.message().contains("llm.inference.memory-budget"), tooLarge.message());
            assertNull(tooLarge.retryAfterSeconds(), "retrying would not help");
        }
    }

    private static CompletionChunk complete(String model) throws Exception {
        CompletionRequest request = InferenceFixture.request(model, "Call me Ishmael.", 3, 0.0, 1, 1);
        InferenceFixture.send(request);
        return InferenceFixture.answer(request.requestId(), TIMEOUT).getLast();
    }

    /** As a client does: sends the request again after each "loading" answer. */
    private static CompletionChunk completeRetrying(String model) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        CompletionChunk last = complete(model);
        while (last.error() != null && InferenceError.MODEL_LOADING.equals(last.error().code())
                && System.nanoTime() < deadline) {
            Thread.sleep(Math.min(1000, last.error().retryAfterSeconds() * 1000L));
            last = complete(model);
        }
        return last;
    }

    private static String state(ModelCatalog catalog, String model) {
        return catalog.listing().stream().filter(s -> s.announcement().modelId().equals(model)).findFirst()
                .map(ModelCatalog.Status::state).orElse("unknown");
    }

    private static void awaitState(ModelCatalog catalog, String model, String state) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!state.equals(state(catalog, model))) {
            assertTrue(System.nanoTime() < deadline, () -> model + " never became " + state + ": "
                    + state(catalog, model));
            Thread.sleep(50);
        }
    }
}
