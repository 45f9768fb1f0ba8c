package dev.llmmesh.trainer;

import ai.djl.Device;
import dev.llmmesh.core.eval.PerplexityResult;
import dev.llmmesh.core.eval.SlidingWindows;
import dev.llmmesh.core.eval.WindowScorer;
import dev.llmmesh.core.generate.Greedy;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobControl;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelDirectory;
import dev.llmmesh.mesh.TokenManifest;
import dev.llmmesh.mesh.TokenShards;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.HttpProblems;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** trainer-service on the testkit's real Kafka broker and redis-server. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PretrainJobTest implements UsesMeshInfra {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Path artifactsDir = tempDir();

    @Inject
    FileArtifactStore artifacts;

    @Inject
    EmbeddedServer server;

    @Inject
    ModelDirectory models;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", artifactsDir.toString());
        return props;
    }

    @Test
    void errorsMicronautProducesItselfAreProblems() throws Exception {
        HttpProblems.assertProblem(server.getURL(), "GET", "/v1/nothing-here", 404);
        assertEquals("method", HttpProblems.assertProblem(server.getURL(), "POST", "/health", 405)
                .path("field").asText());
    }

    @Test
    void pretrainingLowersTheLossAndPublishesAModelThatLoadsAndGeneratesDeterministically() throws Exception {
        String datasetId = "moby-" + shortId();
        int[] ids = Fixtures.tokenizedDataset(artifacts, datasetId, Fixtures.mobyDick(150_000), 5_000);
        String jobId = "pretrain-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","shape":"tiny",
                 "hyperparameters":{"batchSize":8,"contextLength":64,"stride":32,"learningRate":0.003,
                   "minLearningRate":0.0003,"warmupSteps":20,"evalEvery":50,"evalBatches":8,"checkpointEvery":100,
                   "seed":7},
                 "maxSteps":250}""".formatted(jobId, datasetId, Fixtures.TOKENIZER));

        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        JobEvent last = events.getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        List<Double> validation = events.stream().filter(e -> e.progress() != null)
                .map(e -> e.progress().metrics().get("validationLoss")).filter(v -> v != null).toList();
        assertTrue(validation.size() >= 3, "validation reported: " + validation);
        double uniform = Math.log(512);
        double finalValidation = ((Number) last.result().get("validationLoss")).doubleValue();
        assertTrue(finalValidation < uniform - 1.0, "validation loss " + finalValidation + " vs uniform " + uniform);
        double unigram = unigramCrossEntropy(ids, 0.9);
        assertTrue(finalValidation < unigram - 0.2, "validation loss " + finalValidation + " must beat the unigram "
                + "baseline " + unigram + ", which knows token frequencies but no context");
        assertTrue(finalValidation < validation.getFirst() - 0.3, "validation fell: " + validation);
        assertTrue(events.stream().anyMatch(e -> e.progress() != null && e.progress().metrics().containsKey("tokensPerSecond")
                && e.progress().metrics().get("mfu") > 0), "throughput and MFU are reported");

        String modelId = (String) last.result().get("modelId");
        var announced = KafkaProbe.readUntil(Topics.MODELS, TIMEOUT, seen -> seen.stream().anyMatch(r -> modelId.equals(r.key())));
        ModelAnnouncement model = Json.LENIENT.readValue(announced.stream().filter(r -> modelId.equals(r.key()))
                .findFirst().orElseThrow().value(), ModelAnnouncement.class);
        assertEquals(Fixtures.TOKENIZER, model.tokenizerId());
        assertEquals(jobId, model.jobId());
        assertEquals(512, ((Number) model.config().get("vocabSize")).intValue());

        Path dir = artifacts.path(model.artifact());
        assertTrue(Files.exists(dir.resolve("tokenizer.json")));
        BpeTokenizer tokenizer = Fixtures.tokenizer(artifacts);
        int[] prompt = tokenizer.encode("Call me Ishmael. Some years ago");
        try (GptModel loaded = GptCheckpoint.load(dir, Device.cpu())) {
            int[] first = Greedy.generate(loaded, prompt, 20);
            int[] second = Greedy.generate(loaded, prompt, 20);
            assertArrayEquals(first, second);
            assertTrue(tokenizer.decode(first).length() > 10, tokenizer.decode(first));
        }
        theValidationWindowsAreRescorable(model, datasetId, ids, finalValidation);
    }

    /**
     * The announcement says which held-out windows its validation loss is on; rebuilding the token stream from the
     * artifact store as eval-service must (the manifest's shards concatenated in manifest order) and scoring those
     * windows with the published weights gives the same loss.
     */
    private void theValidationWindowsAreRescorable(ModelAnnouncement model, String datasetId, int[] ids,
                                                   double finalValidation) throws Exception {
        assertEquals(finalValidation, model.metrics().get("validationLoss"), 0);
        ModelAnnouncement.ValidationWindows v = model.validation();
        assertNotNull(v, "the held-out windows are published");
        assertEquals(datasetId, v.datasetId());
        assertEquals(Fixtures.TOKENIZER, v.tokenizerId());
        assertEquals(64, v.contextLength());
        assertEquals(32, v.stride());
        int windows = (ids.length - 65) / 32 + 1;
        int held = (int) Math.round(windows * 0.1); // TokenWindows' split at the default validationFraction
        assertEquals((long) (windows - held) * 32, v.startToken());
        assertEquals(Math.min(8 * 8, held), v.windows(), "evalBatches * batchSize distinct windows, or all");

        TokenManifest manifest;
        try (InputStream in = artifacts.open(ArtifactKeys.tokensManifest(v.datasetId(), v.tokenizerId()))) {
            manifest = Json.LENIENT.readValue(in, TokenManifest.class);
        }
        assertTrue(manifest.shards().size() > 1, "the stream spans shards");
        List<int[]> shards = new ArrayList<>();
        for (TokenManifest.Shard shard : manifest.shards()) {
            try (InputStream in = artifacts.open(shard.key())) {
                shards.add(TokenShards.unpack(in.readAllBytes()));
            }
        }
        int[] stream = shards.stream().flatMapToInt(IntStream::of).toArray();
        assertArrayEquals(ids, stream);
        try (GptModel loaded = GptCheckpoint.load(artifacts.path(model.artifact()), Device.cpu())) {
            PerplexityResult rescored = new WindowScorer(loaded, 8).perplexity(stream,
                    SlidingWindows.of(v.startToken(), v.windows(), v.contextLength(), v.stride()));
            assertEquals(finalValidation, rescored.loss(), 1e-5 * finalValidation, rescored.toString());
        }
    }

    @Test
    void badJobsFailWithTheReasonBeforeAnyCompute() throws Exception {
        String datasetId = "small-" + shortId();
        Fixtures.tokenizedDataset(artifacts, datasetId, Fixtures.mobyDick(2_000), 1_000);
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","shape":{"embedDim":64,"colour":1}}
                """, datasetId, "unknown shape field [colour]");
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","shape":{"embedDim":60,"heads":7}}
                """, datasetId, "heads (7) must divide embedDim (60)");
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","hyperparameters":{"contextLength":128}}
                """, datasetId, "longer than the model's position table");
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","hyperparameters":{"learningRate":-1}}
                """, datasetId, "learningRate must be positive");
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","hyperparameters":{"contextLength":64},
                 "shape":{"contextLength":64}}
                """, "no-such-dataset", "no dataset 'no-such-dataset'");
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","shape":{"embedDim":1000000,"heads":1}}
                """, datasetId, "shape.embedDim must be at most 16384, got 1000000");
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","hyperparameters":{"batchSize":1000000000}}
                """, datasetId, "hyperparameters.batchSize must be at most 65536, got 1000000000");
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","hyperparameters":{"warmupSteps":100},
                 "maxSteps":50}
                """, datasetId, "hyperparameters.warmupSteps must be in [0, maxSteps = 50], got 100");
        String tiny = "tiny-" + shortId();
        Fixtures.tokenizedDataset(artifacts, tiny, "Call me Ishmael.", 1_000);
        assertFails("""
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s"}
                """, tiny, "fewer than one sample");
    }

    @Test
    void malformedJobsAreDeadLetteredAndTheConsumerGoesOn() throws Exception {
        String bad = "pretrain-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, bad, """
                {"type":"pretrain","jobId":"%s","datasetId":"d","tokenizerId":"t","learningRate":1}""".formatted(bad));
        var dead = KafkaProbe.readUntil(Topics.DEAD_LETTER, TIMEOUT, seen -> seen.stream().anyMatch(r -> bad.equals(r.key())));
        var record = dead.stream().filter(r -> bad.equals(r.key())).findFirst().orElseThrow();
        String error = new String(record.headers().lastHeader(DeadLetters.ERROR).value(), StandardCharsets.UTF_8);
        assertTrue(error.contains("unknown field 'learningRate'"), error);
        assertEquals(JobState.FAILED, KafkaProbe.eventsUntilTerminal(bad, TIMEOUT).getLast().state());
    }

    @Test
    void aCancelledJobStopsBetweenStepsAndSaysSo() throws Exception {
        String datasetId = "cancel-" + shortId();
        Fixtures.tokenizedDataset(artifacts, datasetId, Fixtures.mobyDick(50_000), 5_000);
        String jobId = "pretrain-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s",
                 "hyperparameters":{"contextLength":64,"batchSize":4,"warmupSteps":10},"maxSteps":1000000}
                """.formatted(jobId, datasetId, Fixtures.TOKENIZER));
        KafkaProbe.readUntil(Topics.JOB_EVENTS, TIMEOUT, seen -> KafkaProbe.events(seen, jobId).stream()
                .anyMatch(e -> e.progress() != null && e.progress().done() > 0));
        KafkaProbe.send(Topics.JOB_CONTROL, jobId, Json.bytes(JobControl.cancel(jobId)));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.CANCELLED, last.state(), last.message());
        assertNotNull(last.message());
    }

    @Test
    void aModelIsDeletedByAJobThatWithdrawsItThenRemovesItsFiles() throws Exception {
        String modelId = "doomed-" + shortId();
        String artifact = ArtifactKeys.modelDir(modelId);
        artifacts.write(artifact + "config.json", "{}".getBytes(StandardCharsets.UTF_8));
        KafkaProbe.send(Topics.MODELS, modelId, Json.bytes(ModelAnnouncement.base(modelId, Map.of(),
                Fixtures.TOKENIZER, artifact, "made-elsewhere", Map.of(), Instant.now())));
        awaitKnown(modelId);

        String jobId = "delete-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"delete-model","jobId":"%s","modelId":"%s"}""".formatted(jobId, modelId));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        KafkaProbe.readUntil(Topics.MODELS, TIMEOUT, seen -> seen.stream()
                .anyMatch(r -> modelId.equals(r.key()) && r.value() == null));
        assertFalse(Files.exists(artifacts.path(artifact)), "the model's files are gone");

        String again = "delete-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, again, """
                {"type":"delete-model","jobId":"%s","modelId":"%s"}""".formatted(again, modelId));
        JobEvent gone = KafkaProbe.eventsUntilTerminal(again, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, gone.state());
        assertEquals("modelId", gone.field(), gone.message());
    }

    @Test
    void aRunFromAPublishedModelStartsFromItsWeightsAndNamesItAsParent() throws Exception {
        String datasetId = "continued-" + shortId();
        Fixtures.tokenizedDataset(artifacts, datasetId, Fixtures.mobyDick(20_000), 5_000);
        String first = "pretrain-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, first, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","shape":"tiny",
                 "hyperparameters":{"batchSize":4,"contextLength":32,"learningRate":0.003,"warmupSteps":2,
                   "evalEvery":0,"seed":3},"maxSteps":60}
                """.formatted(first, datasetId, Fixtures.TOKENIZER));
        JobEvent base = KafkaProbe.eventsUntilTerminal(first, TIMEOUT).getLast();
        assertEquals(JobState.SUCCEEDED, base.state(), base.message());
        awaitKnown(first);

        // A learning rate too small to move the weights: what the run reports is what it started from.
        String next = "pretrain-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, next, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","baseModelId":"%s",
                 "hyperparameters":{"batchSize":4,"contextLength":32,"learningRate":1e-9,"minLearningRate":1e-10,
                   "warmupSteps":0,"evalEvery":0,"seed":3},"maxSteps":3}
                """.formatted(next, datasetId, Fixtures.TOKENIZER, first));
        JobEvent continued = KafkaProbe.eventsUntilTerminal(next, TIMEOUT).getLast();
        assertEquals(JobState.SUCCEEDED, continued.state(), continued.message());
        double uniform = Math.log(512);
        double trained = ((Number) base.result().get("loss")).doubleValue();
        double fromBase = ((Number) continued.result().get("loss")).doubleValue();
        assertTrue(trained < uniform - 0.5, "the base learned something: " + trained + " vs " + uniform);
        assertTrue(fromBase < uniform - 0.5, "the continued run has its base's weights, not random ones (which "
                + "score about " + uniform + "): " + fromBase);
        awaitKnown(next);
        assertEquals(first, models.find(next).orElseThrow().parent());
        assertEquals(Map.of("train", datasetId), models.find(next).orElseThrow().datasets());
    }

    @Test
    void aDeleteRedeliveredAfterItWithdrewTheModelRemovesTheFilesItLeft() throws Exception {
        String modelId = "half-" + shortId();
        String artifact = ArtifactKeys.modelDir(modelId);
        artifacts.write(artifact + "config.json", "{}".getBytes(StandardCharsets.UTF_8));
        // what a trainer that died between withdrawing the model and removing its files leaves behind
        KafkaProbe.send(Topics.MODELS, modelId, (byte[]) null);
        String jobId = "delete-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"delete-model","jobId":"%s","modelId":"%s"}""".formatted(jobId, modelId));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        assertFalse(Files.exists(artifacts.path(artifact)));
    }

    @Test
    void aPretrainThatWouldPublishOverAnotherJobsModelFailsNamingModelId() throws Exception {
        String datasetId = "taken-" + shortId();
        Fixtures.tokenizedDataset(artifacts, datasetId, Fixtures.mobyDick(2_000), 1_000);
        String modelId = "taken-" + shortId();
        KafkaProbe.send(Topics.MODELS, modelId, Json.bytes(ModelAnnouncement.base(modelId, Map.of(),
                Fixtures.TOKENIZER, ArtifactKeys.modelDir(modelId), "another-job", Map.of(), Instant.now())));
        awaitKnown(modelId);
        String jobId = "pretrain-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","modelId":"%s","maxSteps":1}
                """.formatted(jobId, datasetId, Fixtures.TOKENIZER, modelId));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, last.state(), last.message());
        assertEquals("modelId", last.field(), last.message());
        assertTrue(last.message().contains("already exists"), last.message());
    }

    /** The trainer checks jobs against its own reading of llm.models, which follows the topic a moment behind. */
    private void awaitKnown(String modelId) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (models.find(modelId).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the trainer never read model " + modelId);
            Thread.sleep(20);
        }
    }

    private void assertFails(String template, String datasetId, String reason) throws Exception {
        String jobId = "pretrain-" + shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, template.formatted(jobId, datasetId, Fixtures.TOKENIZER));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, last.state(), String.valueOf(last.message()));
        assertTrue(last.message().contains(reason), last.message());
    }

    /** Cross-entropy of the tail under add-one-smoothed token frequencies of the head. */
    private static double unigramCrossEntropy(int[] ids, double headFraction) {
        int split = (int) (ids.length * headFraction);
        double[] counts = new double[512];
        java.util.Arrays.fill(counts, 1);
        for (int i = 0; i < split; i++) {
            counts[ids[i]]++;
        }
        double total = java.util.Arrays.stream(counts).sum();
        double sum = 0;
        for (int i = split; i < ids.length; i++) {
            sum -= Math.log(counts[ids[i]] / total);
        }
        return sum / (ids.length - split);
    }

    static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("artifacts");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
