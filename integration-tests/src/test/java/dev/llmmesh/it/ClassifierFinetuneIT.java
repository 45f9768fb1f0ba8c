package dev.llmmesh.it;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.finetune.ClassifierCheckpoint;
import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.finetune.Classified;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.Suites;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.ServiceJvm;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chapter 6 of the book as the mesh does it, on one stack of real processes (tokenizer, trainer, inference,
 * eval-service, gateway) on the testkit's broker and Redis, driven through the gateway only: a small GPT-2 in
 * HuggingFace's layout (written by the independent PyTorch reference, see {@code hf/README.md}) is imported and
 * served, fine-tuned into a two-label classifier on a labeled slice, and classified through {@code /v1/classify}
 * with the probabilities of the same checkpoint loaded in this JVM; the classifier downloads as a HuggingFace
 * directory and eval-service measures it on its test split by itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClassifierFinetuneIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final Path FIXTURE = Path.of("src/test/resources/hf/gpt2-tiny-f32");
    private static final List<String> LABELS = List.of("ham", "spam");
    private static final int EPOCHS = 3;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String baseId = "hf-tiny-" + run;
    private final String classifierId = "spam-tiny-" + run;
    private final String datasetId = "mails-" + run;

    private Path artifactsDir;
    private final List<ServiceJvm> services = new ArrayList<>();
    private ServiceJvm trainer;
    private ServiceJvm inference;
    private GatewayClient api;
    private JobRun finetune;

    @BeforeAll
    void startStack() throws Exception {
        MeshInfra infra = MeshInfra.get();
        infra.createTopics(Topics.PARTITIONS);
        Path runDir = Path.of("target", "it-classifier-" + run).toAbsolutePath();
        artifactsDir = Files.createDirectories(runDir.resolve("artifacts"));
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers(),
                "REDIS_URI", infra.redisUri(), "LLM_ARTIFACTS_DIR", artifactsDir.toString());
        Path logs = runDir.resolve("logs");
        ServiceJvm tokenizer = start("tokenizer-service", env, logs);
        trainer = start("trainer-service", env, logs);
        inference = start("inference-service", env, logs);
        start("eval-service", env, logs);
        Map<String, String> gatewayEnv = new HashMap<>(env);
        gatewayEnv.put("LLM_AUTH_ENABLED", "false");
        // The port is chosen before the JVM starts: all five boot side by side.
        gatewayEnv.put("MICRONAUT_HTTP_SERVICES_TOKENIZER_URL", "http://localhost:" + tokenizer.port());
        ServiceJvm gateway = start("gateway", gatewayEnv, logs);
        for (ServiceJvm service : services) {
            service.awaitHealthy();
        }
        api = new GatewayClient(gateway.port());
    }

    private ServiceJvm start(String service, Map<String, String> env, Path logs) throws Exception {
        ServiceJvm jvm = ServiceProcess.start(service, env, logs);
        services.add(jvm);
        return jvm;
    }

    @AfterAll
    void stopServices() {
        for (ServiceJvm service : services.reversed()) {
            try {
                service.close();
            } catch (RuntimeException e) {
                // the others must still stop
            }
        }
    }

    @Test
    @Order(1)
    void aHuggingFaceGpt2IsImportedListedAsABaseAndServed() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : List.of("config.json", "model.safetensors", "vocab.json", "merges.txt")) {
            files.put(name, Files.readAllBytes(FIXTURE.resolve(name)));
        }
        JsonNode imported = api.postMultipart("/v1/models/import", Map.of("modelId", baseId), files).expect(201).body();
        assertEquals(baseId, imported.path("id").textValue(), imported.toString());
        assertEquals("base", imported.path("kind").textValue(), imported.toString());
        // Not GPT-2's own vocabulary: the import registers it under the model's name.
        assertEquals(baseId + "-tokenizer", imported.path("tokenizer_id").textValue(), imported.toString());
        assertArrayEquals(Files.readAllBytes(FIXTURE.resolve("model.safetensors")),
                Files.readAllBytes(artifactsDir.resolve("models").resolve(baseId).resolve("model.safetensors")),
                "the weights are stored as uploaded");

        JsonNode listed = api.awaitModel(baseId);
        assertEquals("base", listed.path("kind").textValue(), listed.toString());
        assertTrue(listed.path("parent").isNull(), listed.toString());
        JsonNode bases = api.get("/v1/models?kind=base").expect(200).body();
        assertTrue(bases.toString().contains("\"" + baseId + "\""), bases.toString());

        Map<String, Object> greedy = Map.of("model", baseId, "prompt", "the quick brown fox", "max_tokens", 4,
                "temperature", 0);
        JsonNode completion = awaitServed(() -> post("/v1/completions", greedy)).body();
        assertEquals(4, completion.path("usage").path("completion_tokens").intValue(), completion.toString());
    }

    @Test
    @Order(2)
    void aClassifierIsFineTunedOnTheImportedBaseAndPublishedWithItsLabelsAndSplits() throws Exception {
        api.post("/v1/datasets?id=" + datasetId + "&format=jsonl-labeled", "application/x-ndjson", mails())
                .expect(201);
        Map<String, Object> job = JobRun.job("finetune-classifier", "finetune-" + run, "baseModelId", baseId,
                "datasetId", datasetId, "modelId", classifierId, "trainable", "all", "seed", 7);
        // A tiny model learns in 3 short epochs only with a step far larger than the book's 5e-5.
        job.put("hyperparameters", Map.of("epochs", EPOCHS, "batchSize", 8, "learningRate", 0.01,
                "weightDecay", 0.0));
        finetune = JobRun.succeed(api, "/v1/jobs", job, TIMEOUT, trainer);

        // One forced progress event per epoch, with its losses and what the model gets right and wrong.
        var epochs = finetune.progress().stream().filter(p -> p.metrics() != null
                && p.metrics().containsKey("validationLoss")).toList();
        assertEquals(EPOCHS, epochs.size(), "epoch events: " + epochs);
        for (int i = 0; i < EPOCHS; i++) {
            var metrics = epochs.get(i).metrics();
            assertEquals(i + 1, metrics.get("epoch").intValue(), metrics.toString());
            assertEquals(EPOCHS, metrics.get("epochs").intValue(), metrics.toString());
            assertTrue(Double.isFinite(metrics.get("trainLoss")) && Double.isFinite(metrics.get("validationLoss")),
                    metrics.toString());
            JsonNode details = Json.LENIENT.valueToTree(epochs.get(i).details());
            assertFalse(details.path("worst").isEmpty(), details.toString());
            assertTrue(LABELS.contains(details.path("worst").get(0).path("gold").textValue()), details.toString());
        }

        // 40 mails of each label, none dropped by balancing, split 70/10/20 per label.
        JsonNode result = Json.LENIENT.valueToTree(finetune.result());
        assertEquals(classifierId, result.path("modelId").textValue(), result.toString());
        assertEquals(LABELS, Json.LENIENT.convertValue(result.path("labels"), List.class));
        assertEquals(56, result.path("trainExamples").intValue(), result.toString());
        assertEquals(8, result.path("validationExamples").intValue(), result.toString());
        int tests = result.path("testExamples").intValue();
        assertEquals(16, tests, result.toString());
        int diagonal = 0;
        int total = 0;
        for (int gold = 0; gold < LABELS.size(); gold++) {
            for (int predicted = 0; predicted < LABELS.size(); predicted++) {
                int n = result.path("confusion").get(gold).get(predicted).intValue();
                total += n;
                diagonal += gold == predicted ? n : 0;
            }
        }
        assertEquals(tests, total, "the confusion matrix counts every test mail: " + result);
        assertEquals((double) diagonal / tests, result.path("testAccuracy").doubleValue(), 1e-9, result.toString());
        assertTrue(result.path("testAccuracy").doubleValue() >= 0.75,
                "the mails are separable by their words and last character: " + result);
        assertTrue(result.path("baselineAccuracy").isNumber(), result.toString());

        JsonNode model = api.awaitModel(classifierId);
        assertEquals("classifier", model.path("kind").textValue(), model.toString());
        assertEquals(LABELS, Json.LENIENT.convertValue(model.path("labels"), List.class), model.toString());
        assertEquals(baseId, model.path("parent").textValue(), model.toString());
        for (String split : List.of("train", "validation", "test")) {
            String id = result.path("datasets").path(split).textValue();
            assertEquals(id, model.path("datasets").path(split).textValue(), model.toString());
            api.get("/v1/datasets/" + id).expect(200);
        }
        JsonNode classifiers = api.get("/v1/models?kind=classifier").expect(200).body();
        assertTrue(classifiers.toString().contains(classifierId), classifiers.toString());
    }

    @Test
    @Order(3)
    void theGatewayClassifiesWithTheProbabilitiesOfTheCheckpointLoadedHere() throws Exception {
        List<String> inputs = List.of("win a free prize now!", "see you at the meeting.", "cheap pills, act now!",
                "the dog sleeps on the mat.", "the quick brown fox jumps over the lazy dog and the lazy dog sleeps"
                        + " while the fox runs to the meeting with spam and ham.");
        JsonNode answer = awaitServed(() -> post("/v1/classify", Map.of("model", classifierId, "input", inputs)))
                .body();
        assertEquals("list", answer.path("object").textValue(), answer.toString());
        assertEquals(classifierId, answer.path("model").textValue(), answer.toString());
        JsonNode data = answer.path("data");
        assertEquals(inputs.size(), data.size(), answer.toString());
        System.out.println("classified through the gateway: " + answer);
        // Trained (seeded) to 0.94 test accuracy, it tells the plainest mails apart: the equality below is not
        // that of two untrained, constant heads.
        assertEquals("spam", data.get(0).path("label").textValue(), answer.toString());
        assertEquals("ham", data.get(1).path("label").textValue(), answer.toString());

        JsonNode listed = api.get("/v1/models/" + classifierId).expect(200).body();
        Tokenizer tokenizer = new TokenizerRegistry(new FileArtifactStore(artifactsDir))
                .find(listed.path("tokenizer_id").textValue()).orElseThrow();
        List<int[]> ids = inputs.stream().map(tokenizer::encodeOrdinary).toList();
        int promptTokens = 0;
        try (ClassifierModel local = ClassifierCheckpoint.load(
                artifactsDir.resolve(listed.path("artifact").textValue()), Device.cpu())) {
            assertEquals(LABELS, local.labels());
            List<Classified> expected = local.classify(ids);
            for (int i = 0; i < inputs.size(); i++) {
                JsonNode item = data.get(i);
                Classified want = expected.get(i);
                assertEquals(i, item.path("index").intValue(), item.toString());
                assertEquals(LABELS.get(want.label()), item.path("label").textValue(), item.toString());
                assertEquals(want.tokens(), item.path("tokens").intValue(), item.toString());
                assertEquals(want.truncated(), item.path("truncated").booleanValue(), item.toString());
                List<String> order = new ArrayList<>();
                item.path("probabilities").fieldNames().forEachRemaining(order::add);
                assertEquals(LABELS, order, "probabilities in the head's order: " + item);
                for (int label = 0; label < LABELS.size(); label++) {
                    assertEquals(want.probabilities()[label],
                            item.path("probabilities").path(LABELS.get(label)).doubleValue(), 1e-5, item.toString());
                }
                promptTokens += want.tokens();
            }
            int longest = inputs.size() - 1;
            assertTrue(ids.get(longest).length > local.maxLength(), "the last input is longer than the classifier's "
                    + local.maxLength() + " tokens: " + ids.get(longest).length);
            assertTrue(data.get(longest).path("truncated").booleanValue(), data.get(longest).toString());
            assertEquals(local.maxLength(), data.get(longest).path("tokens").intValue());
        }
        assertEquals(promptTokens, answer.path("usage").path("prompt_tokens").intValue(), answer.toString());

        GatewayClient.Reply completion = post("/v1/completions", Map.of("model", classifierId, "prompt", "hi",
                "max_tokens", 2)).expect(400);
        assertEquals("model", completion.body().path("error").path("param").textValue(), completion.text());
        assertTrue(completion.body().path("error").path("message").textValue().contains("/v1/classify"),
                completion.text());

        GatewayClient.Reply base = post("/v1/classify", Map.of("model", baseId, "input", "hi")).expect(400);
        assertEquals("model", base.body().path("field").textValue(), base.text());
        assertTrue(base.body().path("detail").textValue().contains("base"), base.text());

        GatewayClient.Reply unknown = post("/v1/classify", Map.of("model", "no-such-" + run, "input", "hi"))
                .expect(404);
        assertEquals("model", unknown.body().path("field").textValue(), unknown.text());
    }

    @Test
    @Order(4)
    void theClassifierDownloadsAsAHuggingFaceDirectoryWithItsStoredBytes() throws Exception {
        JsonNode listing = api.get("/v1/models/" + classifierId + "/files").expect(200).body();
        Map<String, JsonNode> files = new LinkedHashMap<>();
        listing.path("data").forEach(file -> files.put(file.path("name").textValue(), file));
        assertTrue(files.keySet().containsAll(List.of("config.json", "model.safetensors", "tokenizer.json")),
                listing.toString());
        Path dir = artifactsDir.resolve(api.get("/v1/models/" + classifierId).expect(200).body()
                .path("artifact").textValue());
        for (JsonNode file : files.values()) {
            String name = file.path("name").textValue();
            byte[] bytes = api.download("/v1/models/" + classifierId + "/files/" + name);
            assertEquals(file.path("bytes").longValue(), bytes.length, name);
            assertEquals(file.path("sha256").textValue(),
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), name);
            if (Files.exists(dir.resolve(name))) {
                assertArrayEquals(Files.readAllBytes(dir.resolve(name)), bytes, name);
            }
        }
        assertArrayEquals(Files.readAllBytes(dir.resolve("model.safetensors")),
                api.download("/v1/models/" + classifierId + "/files/model.safetensors"));
        JsonNode config = Json.LENIENT.readTree(api.download("/v1/models/" + classifierId + "/files/config.json"));
        assertEquals(ClassifierCheckpoint.ARCHITECTURE, config.path("architectures").get(0).textValue(),
                config.toString());
        assertEquals("gpt2", config.path("model_type").textValue(), config.toString());
        assertEquals("spam", config.path("id2label").path("1").textValue(), config.toString());
    }

    /** eval-service measures every classifier on its test split by itself; it scores the trainer's test mails. */
    @Test
    @Order(5)
    void evalServiceMeasuresTheClassifierOnItsTestSplit() throws Exception {
        assertNotNull(finetune, "the fine-tune ran");
        String key = EvalResult.key(classifierId, Suites.DEFAULT, null);
        List<ConsumerRecord<String, byte[]>> records = KafkaProbe.readUntil(Topics.EVAL_RESULTS, TIMEOUT,
                seen -> seen.stream().anyMatch(r -> key.equals(r.key())));
        EvalResult evaluated = Json.LENIENT.readValue(records.stream().filter(r -> key.equals(r.key())).findFirst()
                .orElseThrow().value(), EvalResult.class);
        assertEquals((long) finetune.resultNumber("testExamples"), evaluated.examples(), evaluated.toString());
        assertEquals(finetune.resultNumber("testAccuracy"), evaluated.metrics().get("accuracy"), 1e-9,
                "the same weights on the same mails: " + evaluated);
        JsonNode listed = api.get("/v1/models/" + classifierId + "/evals").expect(200).body();
        assertEquals(evaluated.metrics().get("accuracy"),
                listed.path("data").get(0).path("metrics").path("accuracy").asDouble(), 1e-12, listed.toString());
    }

    private GatewayClient.Reply post(String path, Map<String, Object> body) throws Exception {
        return api.postJson(path, body);
    }

    /** Retries while the replica is still loading the model (503), then expects 200. */
    private GatewayClient.Reply awaitServed(Callable<GatewayClient.Reply> reply) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            GatewayClient.Reply answer = reply.call();
            if (answer.status() != 503 || System.nanoTime() > deadline) {
                if (answer.status() != 200) {
                    throw new AssertionError("HTTP " + answer.status() + ": " + answer.text() + "\nthe end of "
                            + inference.log() + ":\n" + inference.logTail());
                }
                return answer;
            }
            Thread.sleep(250);
        }
    }

    /**
     * 80 short mails, 40 a label: spam shouts about money and ends with "!", ham is about dogs and meetings and
     * ends with "." (a classifier reads the last token, so even a tiny model separates them).
     */
    private static String mails() throws Exception {
        String[] spamWords = {"win", "free", "cash", "prize", "cheap", "offer", "click", "bonus"};
        String[] spamTails = {"now", "today", "fast", "here", "for you"};
        String[] hamWords = {"the dog", "the fox", "our meeting", "the brown dog", "my team", "the lazy cat",
                "your notes", "the report"};
        String[] hamTails = {"is at noon", "sleeps", "was fine", "is late", "looks good"};
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            String spam = spamWords[i % spamWords.length] + " " + spamWords[(i / 5 + 3) % spamWords.length] + " "
                    + spamTails[i % spamTails.length] + "!";
            String ham = hamWords[i % hamWords.length] + " " + hamTails[(i / 3) % hamTails.length] + ".";
            rows.append(Json.STRICT.writeValueAsString(Map.of("text", spam, "label", "spam"))).append('\n');
            rows.append(Json.STRICT.writeValueAsString(Map.of("text", ham, "label", "ham"))).append('\n');
        }
        return rows.toString();
    }
}
