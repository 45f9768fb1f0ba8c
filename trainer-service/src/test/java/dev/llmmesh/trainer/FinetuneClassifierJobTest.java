package dev.llmmesh.trainer;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.finetune.Classified;
import dev.llmmesh.core.finetune.ClassifierCheckpoint;
import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobControl;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelDirectory;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.DatasetInfo;
import dev.llmmesh.mesh.datasets.DatasetWriter;
import dev.llmmesh.mesh.datasets.Datasets;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.llmmesh.trainer.PretrainJobTest.shortId;
import static dev.llmmesh.trainer.PretrainJobTest.tempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** finetune-classifier on the testkit's real Kafka broker and redis-server, from a tiny published base model. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FinetuneClassifierJobTest implements UsesMeshInfra {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final GptConfig SHAPE = new GptConfig(512, 64, 32, 2, 4, 0.0, 1e-5);

    private final Path artifactsDir = tempDir();
    private final String baseId = "base-" + shortId();
    private final String mail = "mail-" + shortId();

    @Inject
    FileArtifactStore artifacts;

    @Inject
    ModelDirectory models;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", artifactsDir.toString());
        return props;
    }

    /**
     * A random tiny base model (what it reads at the last token tells the classes apart: spam ends in "prize!", ham
     * in "Ishmael.") and 100 ham / 60 spam mails, so balancing keeps 60 of each.
     */
    @BeforeAll
    void baseModelAndMail() throws Exception {
        publishBase(artifacts, baseId);
        uploadMail(artifacts, mail);
        awaitKnown(baseId);
    }

    /** A random tiny base model, its tokenizer registered, announced on llm.models. */
    static void publishBase(FileArtifactStore artifacts, String baseId) throws Exception {
        Fixtures.tokenizer(artifacts);
        String artifact = ArtifactKeys.modelDir(baseId);
        try (GptModel base = GptModel.initialize(SHAPE, Device.cpu(), 7)) {
            GptCheckpoint.save(base, artifacts.path(artifact));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(SHAPE, Map.class);
        KafkaProbe.send(Topics.MODELS, baseId, Json.bytes(ModelAnnouncement.base(baseId, shape, Fixtures.TOKENIZER,
                artifact, "made-elsewhere", Map.of(), Instant.now())));
    }

    /**
     * 100 ham and 60 spam mails, so balancing keeps 60 of each. What the model reads at the last token tells the
     * classes apart even through random weights: spam ends in "prize!", ham in "Ishmael.".
     */
    static void uploadMail(FileArtifactStore artifacts, String datasetId) throws Exception {
        StringBuilder rows = new StringBuilder();
        String[] hamWords = {"the whale", "a ship", "the sea", "our captain", "the harpoon"};
        String[] spamWords = {"cash", "money", "a gift card", "free credit", "a cruise"};
        for (int i = 0; i < 100; i++) {
            rows.append("{\"text\":\"Call me about ").append(hamWords[i % 5]).append(" at ").append(i)
                    .append(", Ishmael.\",\"label\":\"ham\"}\n");
            if (i < 60) {
                rows.append("{\"text\":\"You won ").append(spamWords[i % 5]).append(" number ").append(i)
                        .append(", claim your prize!\",\"label\":\"spam\"}\n");
            }
        }
        new DatasetWriter(artifacts).upload(datasetId, datasetId, DatasetFormat.JSONL_LABELED,
                new ByteArrayInputStream(rows.toString().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aClassifierIsFineTunedOnABalancedStratifiedSplitMeasuredAgainstABaselineAndPublished() throws Exception {
        String jobId = "finetune-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"finetune-classifier","jobId":"%s","baseModelId":"%s","datasetId":"%s",
                 "hyperparameters":{"epochs":4,"batchSize":8,"learningRate":0.002}}
                """.formatted(jobId, baseId, mail));
        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        JobEvent last = events.getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        JsonNode result = Json.LENIENT.valueToTree(last.result());

        // Data: balanced to 60 + 60, then 70/10/20 of each label.
        String balanced = mail + "-balanced-s42";
        JsonNode datasets = result.path("datasets");
        Map<String, Integer> sizes = Map.of("train", 84, "validation", 12, "test", 24);
        for (String split : List.of("train", "validation", "test")) {
            DatasetInfo info = new Datasets(artifacts).find(datasets.path(split).asText()).orElseThrow();
            assertEquals(balanced, info.parent());
            assertEquals(DatasetInfo.STRATIFIED, info.method());
            assertEquals(sizes.get(split), (int) info.rows(), split);
        }
        assertEquals(DatasetInfo.BALANCED, new Datasets(artifacts).find(balanced).orElseThrow().method());
        assertEquals(84, result.path("trainExamples").asInt());
        assertEquals(24, result.path("testExamples").asInt());

        // Every epoch reported, with the predictions a person looks at.
        List<JobEvent> epochs = events.stream().filter(e -> e.progress() != null
                && e.progress().metrics().containsKey("validationLoss")).toList();
        assertEquals(4, epochs.size());
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0), epochs.stream().map(e -> e.progress().metrics().get("epoch")).toList());
        // 84 training examples in batches of 8: 11 optimizer steps an epoch.
        assertEquals(List.of(11L, 22L, 33L, 44L), epochs.stream().map(e -> e.progress().done()).toList());
        var firstEpoch = epochs.getFirst().progress();
        assertEquals("steps", firstEpoch.unit());
        assertEquals(44, firstEpoch.total());
        assertEquals("epoch 1 of 4", firstEpoch.stage());
        for (String key : List.of("trainLoss", "trainAccuracy", "validationAccuracy", "epoch", "epochs", "bestSoFar")) {
            assertTrue(firstEpoch.metrics().containsKey(key), key);
        }
        assertNotNull(firstEpoch.etaSeconds());
        @SuppressWarnings("unchecked")
        var worst = (List<Map<String, Object>>) firstEpoch.details().get("worst");
        assertFalse(worst.isEmpty());
        assertTrue(worst.getFirst().get("text").toString().startsWith("Call me") || worst.getFirst().get("text")
                .toString().startsWith("You won"), worst.toString());
        assertEquals(2, ((Map<?, ?>) worst.getFirst().get("probabilities")).size());
        assertTrue(firstEpoch.details().containsKey("best"));

        // The result: accuracy with its interval, per-class figures, confusion, baseline.
        assertEquals(List.of("ham", "spam"), Json.LENIENT.convertValue(result.path("labels"), List.class));
        double accuracy = result.path("testAccuracy").asDouble();
        assertTrue(accuracy >= 0.9, "test accuracy " + accuracy + ": " + result);
        assertTrue(result.path("testAccuracyCi").path("low").asDouble() <= accuracy
                && accuracy <= result.path("testAccuracyCi").path("high").asDouble(), result.toString());
        assertEquals(2, result.path("classes").size());
        assertEquals(12, result.path("classes").path(1).path("support").asInt());
        assertEquals("spam", result.path("classes").path(1).path("label").asText());
        JsonNode confusion = result.path("confusion");
        long correct = confusion.path(0).path(0).asLong() + confusion.path(1).path(1).asLong();
        assertEquals(accuracy, correct / 24.0, 1e-12, "the confusion matrix holds the accuracy");
        assertEquals(24, confusion.path(0).path(0).asLong() + confusion.path(0).path(1).asLong()
                + confusion.path(1).path(0).asLong() + confusion.path(1).path(1).asLong());
        assertTrue(result.path("baselineAccuracy").asDouble() > 0.9, "naive Bayes tells these apart too: " + result);
        assertTrue(result.has("baselineAccuracyCi"));
        assertEquals(Math.min(5, 24 - correct), result.path("misclassified").size());
        assertEquals("last-block", result.path("trainable").asText());
        assertEquals("last", result.path("pooling").asText());
        assertEquals("head", result.path("truncation").asText());
        assertEquals(4, result.path("epochs").asInt());
        assertTrue(result.path("bestEpoch").asInt() >= 1);
        int maxLength = result.path("maxLength").asInt();
        BpeTokenizer tokenizer = Fixtures.tokenizer(artifacts);
        int longest = 0;
        for (var row : new Datasets(artifacts).rows(datasets.path("train").asText()).orElseThrow().page(0, 1000)) {
            longest = Math.max(longest, tokenizer.encodeOrdinary(row.get("text").textValue()).length);
        }
        assertEquals(longest, maxLength, "the longest training example's tokens");

        // The published classifier: kind, labels, parent, its splits; its files answer as the job measured.
        awaitKnown(jobId);
        ModelAnnouncement model = models.find(jobId).orElseThrow();
        assertEquals(ModelKind.CLASSIFIER, model.kind());
        assertEquals(List.of("ham", "spam"), model.labels());
        assertEquals(baseId, model.parent());
        assertEquals(Json.LENIENT.convertValue(datasets, Map.class), model.datasets());
        assertEquals(accuracy, model.metrics().get("testAccuracy"));
        assertEquals(result.path("baselineAccuracy").asDouble(), model.metrics().get("baselineAccuracy"));
        try (ClassifierModel loaded = ClassifierCheckpoint.load(artifacts.path(model.artifact()), Device.cpu())) {
            List<Classified> answers = loaded.classify(List.of(
                    tokenizer.encodeOrdinary("You won cash number 7, claim your prize!"),
                    tokenizer.encodeOrdinary("Call me about the sea at 3, Ishmael.")));
            assertEquals(1, answers.get(0).label());
            assertEquals(0, answers.get(1).label());
            assertEquals(maxLength, loaded.maxLength());
        }
    }

    @Test
    void explicitValidationAndTestDatasetsAreUsedAsGivenWithTheGivenLabelOrder() throws Exception {
        String held = "held-" + shortId();
        new DatasetWriter(artifacts).upload(held, held, DatasetFormat.JSONL_LABELED, new ByteArrayInputStream("""
                {"text":"You won cash number 500, claim your prize!","label":"spam"}
                {"text":"Call me about the whale at 500, Ishmael.","label":"ham"}
                {"text":"Call me about the sea at 501, Ishmael.","label":"ham"}
                """.getBytes(StandardCharsets.UTF_8)));
        String jobId = "finetune-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"finetune-classifier","jobId":"%s","modelId":"%s-clf","baseModelId":"%s","datasetId":"%s",
                 "labels":["spam","ham"],"balance":false,"validationDatasetId":"%s","testDatasetId":"%s",
                 "trainable":"head","pooling":"mean","truncation":"head-tail","maxLength":16,
                 "hyperparameters":{"epochs":1,"dropout":0.2}}
                """.formatted(jobId, jobId, baseId, mail, held, held));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        JsonNode result = Json.LENIENT.valueToTree(last.result());
        assertEquals(Map.of("train", mail, "validation", held, "test", held),
                Json.LENIENT.convertValue(result.path("datasets"), Map.class));
        assertEquals(List.of("spam", "ham"), Json.LENIENT.convertValue(result.path("labels"), List.class));
        assertEquals(160, result.path("trainExamples").asInt(), "not balanced");
        assertEquals(3, result.path("testExamples").asInt());
        assertEquals(16, result.path("maxLength").asInt());
        assertEquals("head", result.path("trainable").asText());
        assertEquals("mean", result.path("pooling").asText());
        assertEquals("head-tail", result.path("truncation").asText());
        JsonNode config = Json.LENIENT.readTree(artifacts.path(result.path("artifact").asText())
                .resolve("config.json").toFile());
        assertEquals("mean", config.path("classifier_pooling").asText(), "the served model pools so too");
        assertEquals("head-tail", config.path("classifier_truncation").asText(), "and truncates so too");
        assertEquals(0.2, config.path("resid_pdrop").asDouble(), "trained with the job's dropout, not the base's 0");
        assertEquals(1, result.path("classes").path(0).path("support").asInt(), "spam first, as given");
        awaitKnown(jobId + "-clf");
        assertEquals(List.of("spam", "ham"), models.find(jobId + "-clf").orElseThrow().labels());
    }

    @Test
    void aCancelledFineTuneStopsBetweenStepsAndSaysSo() throws Exception {
        String jobId = "finetune-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"finetune-classifier","jobId":"%s","baseModelId":"%s","datasetId":"%s",
                 "trainable":"all","hyperparameters":{"epochs":100000,"batchSize":4}}
                """.formatted(jobId, baseId, mail));
        KafkaProbe.readUntil(Topics.JOB_EVENTS, TIMEOUT, seen -> KafkaProbe.events(seen, jobId).stream()
                .anyMatch(e -> e.progress() != null && e.progress().done() > 0));
        KafkaProbe.send(Topics.JOB_CONTROL, jobId, Json.bytes(JobControl.cancel(jobId)));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.CANCELLED, last.state(), last.message());
        assertTrue(last.message().contains("of 100000 epochs"), last.message());
        assertTrue(models.find(jobId).isEmpty(), "nothing is published");
    }

    @Test
    void aJobWhoseLabelsAreNotTheDatasFailsNamingLabels() throws Exception {
        String jobId = "finetune-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"finetune-classifier","jobId":"%s","baseModelId":"%s","datasetId":"%s",
                 "labels":["ham","spam","eggs"]}
                """.formatted(jobId, baseId, mail));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, last.state(), last.message());
        assertEquals("labels", last.field(), last.message());
        assertTrue(last.message().contains("'eggs' does not occur"), last.message());
    }

    private void awaitKnown(String modelId) throws InterruptedException {
        awaitKnown(models, modelId);
    }

    static void awaitKnown(ModelDirectory models, String modelId) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (models.find(modelId).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the trainer never read model " + modelId);
            Thread.sleep(20);
        }
    }
}
