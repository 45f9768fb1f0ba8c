package dev.llmmesh.gateway.classify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.gateway.TestGateways;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/classify} at the gateway, on the real broker. The test stands in for inference-service: it reads
 * {@code llm.inference.requests} and answers the classify requests for its classifier with made-up
 * classifications (a text's label is "spam" when it holds "win"), or with a replica's error.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClassifyApiTest implements UsesMeshInfra {
    private static final String CLASSIFIER = "clf-test-spam";
    private static final String BASE = "clf-test-base";
    private static final List<String> LABELS = List.of("spam", "ham");
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<InferenceCommand> received = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private Thread responder;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = TestGateways.properties(TestGateways.artifactsDir(), false);
        props.put("llm.gateway.inference.first-chunk-timeout", "3s");
        return props;
    }

    @BeforeAll
    void startFakeInference() throws Exception {
        ModelAnnouncement base = ModelAnnouncement.base(BASE, Map.of(), "gpt2", "models/" + BASE + "/", "job",
                Map.of(), Instant.now());
        ModelAnnouncement classifier = ModelAnnouncement.base(CLASSIFIER, Map.of(), "gpt2", "models/" + CLASSIFIER
                + "/", "job", Map.of(), Instant.now()).withParent(BASE).asClassifier(LABELS);
        for (ModelAnnouncement model : List.of(base, classifier)) {
            KafkaProbe.send(Topics.MODELS, model.modelId(), Json.bytes(model));
        }
        responder = new Thread(this::answer, "fake-classifier");
        responder.start();
        for (int i = 0; i < 100 && call("/v1/models/" + CLASSIFIER, null).status() != 200; i++) {
            Thread.sleep(100);
        }
    }

    @AfterAll
    void stop() throws InterruptedException {
        running = false;
        responder.join(5000);
    }

    private void answer() {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, MeshInfra.get().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "fake-classifier-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.INFERENCE_REQUESTS));
            while (running) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    InferenceCommand command = Json.STRICT.readValue(record.value(), InferenceCommand.class);
                    switch (command) {
                        case ClassifyRequest request when request.modelId().equals(CLASSIFIER) -> {
                            received.add(request);
                            reply(request);
                        }
                        case CompletionRequest request when request.modelId().startsWith("clf-test") ->
                                received.add(request);
                        default -> {
                        }
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void reply(ClassifyRequest request) throws Exception {
        if (request.inputs().getFirst().startsWith("still-loading")) {
            emit(new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, request.requestId(), 0, 0,
                    0, 0, "a", null, null, null, null, null, new CompletionChunk.InferenceError(503,
                    CompletionChunk.InferenceError.MODEL_LOADING, "model", "The model 'clf-test-spam' is not loaded"
                    + " yet (its loading has started); retry in 7 s", 7)));
            return;
        }
        if (request.inputs().getFirst().startsWith("broken")) {
            emit(new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, request.requestId(), 0, 0,
                    0, 0, "a", null, null, null, null, null, new CompletionChunk.InferenceError(503,
                    "model_unavailable", "model", "The model 'clf-test-spam' is not available: disk gone")));
            return;
        }
        List<Classification> items = new ArrayList<>();
        int tokens = 0;
        for (int i = 0; i < request.inputs().size(); i++) {
            String text = request.inputs().get(i);
            float spam = text.contains("win") ? 0.75f : 0.125f;
            Map<String, Float> probabilities = new LinkedHashMap<>();
            probabilities.put("spam", spam);
            probabilities.put("ham", 1 - spam);
            int read = Math.min(text.length(), 8);
            tokens += read;
            items.add(new Classification(i, spam > 0.5f ? "spam" : "ham", probabilities, read, text.length() > 8));
        }
        emit(new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, request.requestId(), 0, 0, 0,
                0, "a", null, null, null, null, new CompletionChunk.Usage(tokens, 0), null, items));
    }

    private static void emit(CompletionChunk chunk) throws Exception {
        KafkaProbe.send(Topics.INFERENCE_EVENTS, chunk.requestId(), Json.bytes(chunk));
    }

    record Reply(int status, JsonNode body, String text, String retryAfter) {
    }

    private Reply call(String path, String json) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(30));
        if (json != null) {
            builder.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        String ct = response.headers().firstValue("Content-Type").orElse("");
        return new Reply(response.statusCode(), ct.contains("json") ? Json.LENIENT.readTree(response.body()) : null,
                response.body(), response.headers().firstValue("Retry-After").orElse(null));
    }

    /** Requests for {@code modelId} that reached Kafka, of either kind. */
    private long sent(String modelId) {
        return received.stream().filter(c -> switch (c) {
            case CompletionRequest r -> r.modelId().equals(modelId);
            case ClassifyRequest r -> r.modelId().equals(modelId);
            default -> false;
        }).count();
    }

    @Test
    void labelsEveryInputInOrderWithTheReplicasProbabilities() throws Exception {
        Reply r = call("/v1/classify", "{\"model\":\"" + CLASSIFIER + "\",\"input\":[\"win big\","
                + "\"lunch at noon tomorrow\"]}");

        assertEquals(200, r.status(), r.text());
        JsonNode body = r.body();
        assertEquals("list", body.get("object").textValue());
        assertEquals(CLASSIFIER, body.get("model").textValue());
        assertEquals(2, body.get("data").size());
        JsonNode first = body.get("data").get(0);
        assertEquals(0, first.get("index").intValue());
        assertEquals("spam", first.get("label").textValue());
        assertEquals(0.75, first.get("probabilities").get("spam").doubleValue(), 1e-7);
        assertEquals(List.of("spam", "ham"), fieldNames(first.get("probabilities")));
        assertFalse(first.get("truncated").booleanValue());
        JsonNode second = body.get("data").get(1);
        assertEquals("ham", second.get("label").textValue());
        assertEquals(8, second.get("tokens").intValue());
        assertTrue(second.get("truncated").booleanValue());
        assertEquals(7 + 8, body.get("usage").get("prompt_tokens").intValue());
        // One request for all the inputs: the replica batches them into one forward.
        ClassifyRequest sent = (ClassifyRequest) received.stream().filter(c -> c instanceof ClassifyRequest cr
                && cr.inputs().getFirst().equals("win big")).findFirst().orElseThrow();
        assertEquals(List.of("win big", "lunch at noon tomorrow"), sent.inputs());
        assertTrue(sent.deadline().isAfter(Instant.now()));
    }

    @Test
    void aSingleTextIsOneInput() throws Exception {
        Reply r = call("/v1/classify", "{\"model\":\"" + CLASSIFIER + "\",\"input\":\"win now\"}");

        assertEquals(200, r.status(), r.text());
        assertEquals(1, r.body().get("data").size());
        assertEquals("spam", r.body().get("data").get(0).get("label").textValue());
    }

    @Test
    void badBodiesAreProblemsNamingTheField() throws Exception {
        String many = "[" + String.join(",", java.util.Collections.nCopies(ClassifyRequest.MAX_INPUTS + 1, "\"x\""))
                + "]";
        long before = sent(CLASSIFIER);
        Map<String, String> fieldOf = new LinkedHashMap<>();
        fieldOf.put("{\"input\":\"x\"}", "model");
        fieldOf.put("{\"model\":\"\",\"input\":\"x\"}", "model");
        fieldOf.put("{\"model\":7,\"input\":\"x\"}", "model");
        fieldOf.put("{\"model\":\"" + CLASSIFIER + "\"}", "input");
        fieldOf.put("{\"model\":\"" + CLASSIFIER + "\",\"input\":[]}", "input");
        fieldOf.put("{\"model\":\"" + CLASSIFIER + "\",\"input\":[\"a\",3]}", "input");
        fieldOf.put("{\"model\":\"" + CLASSIFIER + "\",\"input\":{\"text\":\"a\"}}", "input");
        fieldOf.put("{\"model\":\"" + CLASSIFIER + "\",\"input\":[\"a\",\"\"]}", "input");
        fieldOf.put("{\"model\":\"" + CLASSIFIER + "\",\"input\":" + many + "}", "input");
        fieldOf.put("{\"model\":\"" + CLASSIFIER + "\",\"input\":\"a\",\"temperature\":1}", "temperature");
        for (var bad : fieldOf.entrySet()) {
            Reply r = call("/v1/classify", bad.getKey());
            assertEquals(400, r.status(), bad.getKey() + " -> " + r.text());
            assertEquals(bad.getValue(), r.body().get("field").textValue(), r.text());
            assertEquals(400, r.body().get("status").intValue(), r.text());
        }
        for (String body : List.of("{\"model\":", "[]", "\"text\"")) {
            Reply r = call("/v1/classify", body);
            assertEquals(400, r.status(), r.text());
            assertEquals("body", r.body().get("field").textValue(), r.text());
        }
        Thread.sleep(300);
        assertEquals(before, sent(CLASSIFIER), "nothing refused reached Kafka");
    }

    @Test
    void anUnknownModelIs404AndAModelOfAnotherKind400NamingIt() throws Exception {
        Reply unknown = call("/v1/classify", "{\"model\":\"clf-test-nobody\",\"input\":\"x\"}");
        assertEquals(404, unknown.status(), unknown.text());
        assertEquals("model", unknown.body().get("field").textValue());

        Reply base = call("/v1/classify", "{\"model\":\"" + BASE + "\",\"input\":\"x\"}");
        assertEquals(400, base.status(), base.text());
        assertEquals("model", base.body().get("field").textValue());
        assertTrue(base.body().get("detail").textValue().contains("kind base"), base.text());
        assertEquals(0, sent(BASE));
    }

    @Test
    void aCompletionForAClassifierIs400PointingToClassify() throws Exception {
        for (String path : List.of("/v1/completions", "/v1/chat/completions", "/m/" + CLASSIFIER
                + "/v1/completions")) {
            String body = path.contains("chat") ? "{\"model\":\"" + CLASSIFIER
                    + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                    : "{\"model\":\"" + CLASSIFIER + "\",\"prompt\":\"hi\"}";
            Reply r = call(path, body);
            assertEquals(400, r.status(), path + ": " + r.text());
            // OpenAI's error shape on OpenAI's paths.
            JsonNode error = r.body().get("error");
            assertEquals("model", error.get("param").textValue(), r.text());
            assertTrue(error.get("message").textValue().contains("/v1/classify"), r.text());
        }
        Thread.sleep(300);
        assertEquals(0, received.stream().filter(c -> c instanceof CompletionRequest cr
                && cr.modelId().equals(CLASSIFIER)).count(), "no completion for a classifier reached Kafka");
    }

    @Test
    void aReplicasErrorIsAProblemWithItsStatus() throws Exception {
        Reply r = call("/v1/classify", "{\"model\":\"" + CLASSIFIER + "\",\"input\":[\"broken disk\"]}");

        assertEquals(503, r.status(), r.text());
        assertEquals("model", r.body().get("field").textValue());
        assertTrue(r.body().get("detail").textValue().contains("disk gone"), r.text());
        assertEquals(null, r.retryAfter());
    }

    @Test
    void aModelBeingLoadedIsA503WithTheReplicasRetryAfter() throws Exception {
        Reply r = call("/v1/classify", "{\"model\":\"" + CLASSIFIER + "\",\"input\":\"still-loading\"}");

        assertEquals(503, r.status(), r.text());
        assertEquals("7", r.retryAfter());
        assertEquals("model", r.body().get("field").textValue());
        assertEquals(503, r.body().get("status").intValue());
    }

    @Test
    void aRequestTooLargeForOneKafkaRecordIs413NamingInputNotARetry() throws Exception {
        long before = sent(CLASSIFIER);
        // 256 mails of 5,000 bytes: 1.28 MB, over Kafka's default max.request.size of 1 MiB
        String mail = "win a prize ".repeat(416) + "ok";
        String tooLarge = new String(Json.bytes(Map.of("model", CLASSIFIER, "input", Collections.nCopies(256, mail))),
                StandardCharsets.UTF_8);
        Reply r = call("/v1/classify", tooLarge);

        assertEquals(413, r.status(), r.text());
        assertEquals("input", r.body().get("field").textValue(), r.text());
        assertTrue(r.body().get("detail").textValue().contains("fewer or shorter texts"), r.text());
        Thread.sleep(300);
        assertEquals(before, sent(CLASSIFIER), "nothing too large was handed to Kafka");

        // half a megabyte still goes through
        String fits = new String(Json.bytes(Map.of("model", CLASSIFIER, "input", Collections.nCopies(100, mail))),
                StandardCharsets.UTF_8);
        Reply ok = call("/v1/classify", fits);
        assertEquals(200, ok.status(), ok.text());
        assertEquals(100, ok.body().get("data").size());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
