package dev.llmmesh.servicekit.models;

import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import io.micronaut.context.ApplicationContext;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one reader of llm.models and its one writer, in a service's context, on the real test broker. */
class ModelRegistryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static ApplicationContext context;
    private static ModelRegistry registry;
    private static ModelPublisher publisher;

    @BeforeAll
    static void start() throws InterruptedException {
        context = ApplicationContext.run(Map.<String, Object>copyOf(MeshInfra.get().properties()));
        registry = context.getBean(ModelRegistry.class);
        publisher = context.getBean(ModelPublisher.class);
        assertTrue(registry.awaitCaughtUp(TIMEOUT), "the registry was read to its end");
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    private static String id(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ModelAnnouncement model(String id, String artifact) {
        return ModelAnnouncement.base(id, Map.of("vocabSize", 300), "gpt2", artifact, "job-1", Map.of("loss", 2.0),
                Instant.now());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void anAnnouncedModelIsFoundItsReannouncementReplacesItAndAWithdrawalRemovesIt() throws Exception {
        String id = id("m");
        publisher.announce(model(id, "models/" + id + "/v1"));
        await(() -> registry.find(id).isPresent(), "the model is found");

        publisher.announce(model(id, "models/" + id + "/v2").withKind(ModelKind.CHAT).withParent("base-x"));
        await(() -> registry.find(id).map(m -> m.artifact().endsWith("v2")).orElse(false), "the new files are seen");
        assertEquals(ModelKind.CHAT, registry.find(id).orElseThrow().kind());
        assertEquals("base-x", registry.find(id).orElseThrow().parent());
        assertEquals(1, registry.all().stream().filter(m -> m.modelId().equals(id)).count(), "one record per model");

        publisher.withdraw(id);
        await(() -> registry.find(id).isEmpty(), "the withdrawn model is gone");
    }

    @Test
    void awaitPresentReturnsAModelOnceReadAndGivesUpAfterItsTimeoutOnOneNeverPublished() throws Exception {
        String never = id("never");
        Duration shortWait = Duration.ofMillis(300);
        long started = System.nanoTime();
        assertTrue(registry.awaitPresent(never, shortWait).isEmpty());
        assertTrue(System.nanoTime() - started >= shortWait.toNanos(), "waited its whole timeout");

        String id = id("awaited");
        publisher.announce(model(id, "models/" + id));
        assertEquals(id, registry.awaitPresent(id, TIMEOUT).orElseThrow().modelId(), "right after its announce");

        // Announced while a reader waits: the registry wakes it as it reads the record, long before its timeout.
        String later = id("later");
        Thread announcer = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            publisher.announce(model(later, "models/" + later));
        });
        started = System.nanoTime();
        Optional<ModelAnnouncement> found = registry.awaitPresent(later, TIMEOUT);
        long waited = System.nanoTime() - started;
        announcer.join();
        assertEquals(later, found.orElseThrow().modelId());
        assertTrue(waited < TIMEOUT.toNanos() / 2, "woken by the record, not by the timeout: " + waited / 1_000_000
                + " ms");
    }

    @Test
    void anOldShapeRecordReadsAndAnUnreadableOneIsSkippedWithoutStoppingTheReader() throws Exception {
        String old = id("old");
        String bad = id("bad");
        String after = id("after");
        KafkaProbe.send(Topics.MODELS, old, """
                {"type":"model","schemaVersion":1,"modelId":"%s","config":{"vocabSize":300},"tokenizerId":"gpt2",
                 "artifact":"models/%s","parentModel":"moby-xs","jobId":"job-0","metrics":{"loss":3.0},
                 "createdAt":"2026-11-30T10:00:00Z"}""".formatted(old, old));
        KafkaProbe.send(Topics.MODELS, bad, "{\"modelId\": [not json");
        publisher.announce(model(after, "models/" + after));
        await(() -> registry.find(after).isPresent(), "the record after the bad one is read");

        ModelAnnouncement read = registry.find(old).orElseThrow();
        assertEquals(ModelKind.BASE, read.kind());
        assertEquals("moby-xs", read.parent());
        assertFalse(read.adapter());
        assertEquals(Map.of(), read.datasets());
        assertTrue(registry.find(bad).isEmpty());
    }

    @Test
    void aSubscriberIsToldWhatIsKnownThenEveryChangeEachOnce() throws Exception {
        String first = id("first");
        String second = id("second");
        publisher.announce(model(first, "models/" + first));
        await(() -> registry.find(first).isPresent(), "the first model is read");

        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        ModelRegistry.Listener listener = new ModelRegistry.Listener() {
            @Override
            public void announced(ModelAnnouncement model) {
                if (model.modelId().equals(first) || model.modelId().equals(second)) {
                    seen.add("announced " + model.modelId());
                }
            }

            @Override
            public void withdrawn(String modelId) {
                if (modelId.equals(first) || modelId.equals(second)) {
                    seen.add("withdrawn " + modelId);
                }
            }
        };
        registry.subscribe(listener);
        try {
            publisher.announce(model(second, "models/" + second));
            publisher.withdraw(first);
            await(() -> seen.size() >= 3, "three changes are told");
            Thread.sleep(300); // nothing told twice arrives late
            assertEquals(List.of("announced " + first, "announced " + second, "withdrawn " + first), seen);
        } finally {
            registry.unsubscribe(listener);
        }
    }

    @Test
    void aReaderStartedAfterModelsWerePublishedKnowsThemOnceCaughtUp() throws Exception {
        String id = id("earlier");
        publisher.announce(model(id, "models/" + id));
        ModelRegistry late = new ModelRegistry(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                MeshInfra.get().kafkaBootstrapServers()));
        try {
            assertTrue(late.awaitCaughtUp(TIMEOUT), "caught up");
            assertTrue(late.find(id).isPresent(), "a model published before the reader started is known at once");
        } finally {
            late.close();
        }
    }
}
