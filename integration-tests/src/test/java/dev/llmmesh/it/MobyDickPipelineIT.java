package dev.llmmesh.it;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.generate.Greedy;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.GuardedRedis;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.RedisShardCache;
import dev.llmmesh.mesh.TokenManifest;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.OtlpReceiver;
import dev.llmmesh.testkit.ReceivedSpan;
import dev.llmmesh.testkit.ServiceJvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole path as a user takes it: tokenizer-service, trainer-service and the gateway run as processes from their
 * jars on the real Kafka broker and redis-server, and a Moby-Dick excerpt goes from an HTTP upload to a listed model
 * that generates, with nothing but the gateway's HTTP API between this test and the mesh. The gateway is restarted
 * at the end and must still know every job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MobyDickPipelineIT {
    private static final int VOCAB = 512;
    /** Enough text for a few hundred steps without many epochs, small enough to tokenize in seconds. */
    private static final int EXCERPT_CHARS = 250_000;
    private static final int STEPS = 300;
    private static final Duration TOKENIZER_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(6);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String datasetId = "moby-" + run;
    private final String tokenizerId = "moby-bpe-" + run;
    private final String modelId = "moby-tiny-" + run;

    private Path artifactsDir;
    private FileArtifactStore artifacts;
    private Map<String, String> env;
    private Path logs;
    private ServiceJvm tokenizer;
    private ServiceJvm trainer;
    private ServiceJvm gateway;
    private ServiceJvm inference;
    private OtlpReceiver traces;

    @BeforeAll
    void startServices() throws Exception {
        MeshInfra infra = MeshInfra.get();
        Path runDir = Path.of("target", "it-" + run).toAbsolutePath();
        artifactsDir = Files.createDirectories(runDir.resolve("artifacts"));
        artifacts = new FileArtifactStore(artifactsDir);
        // Created here, not left to the services, so a job sent before a service subscribes still has its
        // topic with the mesh's partition count. llm.models is the trainer's to create: it must be compacted.
        infra.createTopics(Map.of(Topics.TOKENIZER_JOBS, Topics.PARTITIONS.get(Topics.TOKENIZER_JOBS),
                Topics.TRAINER_JOBS, Topics.PARTITIONS.get(Topics.TRAINER_JOBS),
                Topics.JOB_EVENTS, Topics.PARTITIONS.get(Topics.JOB_EVENTS)));
        traces = OtlpReceiver.start();
        env = Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers(),
                "REDIS_URI", infra.redisUri(), "LLM_ARTIFACTS_DIR", artifactsDir.toString(),
                "OTEL_EXPORTER_OTLP_ENDPOINT", traces.endpoint(), "OTEL_BSP_SCHEDULE_DELAY", "100");
        logs = runDir.resolve("logs");
        tokenizer = ServiceProcess.start("tokenizer-service", env, logs);
        trainer = ServiceProcess.start("trainer-service", env, logs);
        tokenizer.awaitHealthy();
        trainer.awaitHealthy();
        gateway = startGateway("gateway");
    }

    /** API keys are tested in the gateway's own tests; here the door is open, as in the local demo. */
    private ServiceJvm startGateway(String logName) throws Exception {
        Map<String, String> gatewayEnv = new HashMap<>(env);
        gatewayEnv.put("LLM_AUTH_ENABLED", "false");
        gatewayEnv.put("MICRONAUT_HTTP_SERVICES_TOKENIZER_URL", "http://localhost:" + tokenizer.port());
        return ServiceProcess.start("gateway", gatewayEnv, logs, logName).awaitHealthy();
    }

    @AfterAll
    void stopServices() {
        // Each on its own, so a failing stop still stops the others.
        try {
            if (gateway != null) {
                gateway.close();
            }
            if (inference != null) {
                inference.close();
            }
        } finally {
            try {
                if (trainer != null) {
                    trainer.close();
                }
            } finally {
                if (tokenizer != null) {
                    tokenizer.close();
                }
                if (traces != null) {
                    traces.close();
                }
            }
        }
    }

    @Test
    void aMobyDickExcerptBecomesAListedModelThatGeneratesThroughTheGatewayOnly() throws Exception {
        GatewayClient api = new GatewayClient(gateway.port());
        GatewayClient.Reply uploaded = api.post("/v1/datasets?id=" + datasetId + "&name=moby-dick-excerpt",
                "text/plain", mobyDickExcerpt()).expect(201);
        assertEquals(mobyDickExcerpt().getBytes(StandardCharsets.UTF_8).length, uploaded.body().get("bytes").longValue());

        JobRun train = JobRun.succeed(api, "/v1/tokenizers", JobRun.job(null, "train-" + run,
                "datasetId", datasetId, "tokenizerId", tokenizerId, "vocabSize", VOCAB, "minFrequency", 2),
                TOKENIZER_TIMEOUT, tokenizer);
        assertEquals(JobState.QUEUED, train.events().getFirst().state(), "the gateway's QUEUED comes first");
        assertFalse(train.progress().isEmpty(), "train-tokenizer reported progress");
        assertOneTraceAcrossTheMesh();
        assertTrue(api.get("/v1/tokenizers").expect(200).text().contains(tokenizerId));
        GatewayClient.Reply tokens = api.postJson("/v1/tokenize", Map.of("tokenizerId", tokenizerId,
                "text", "Call me Ishmael.")).expect(200);
        assertEquals("Call me Ishmael.", api.postJson("/v1/detokenize", Map.of("tokenizerId", tokenizerId,
                "tokens", tokens.body().get("tokens"))).expect(200).body().get("text").textValue());

        JobRun tokenize = JobRun.succeed(api, "/v1/jobs", JobRun.job("tokenize-dataset", "tokenize-" + run,
                "datasetId", datasetId, "tokenizerId", tokenizerId, "shardBytes", 65_536), TOKENIZER_TIMEOUT, tokenizer);
        assertFalse(tokenize.progress().isEmpty(), "tokenize-dataset reported progress");
        assertShardsInRedisAndArtifacts((long) tokenize.resultNumber("tokens"));

        JobRun pretrain = JobRun.succeed(api, "/v1/jobs", JobRun.job("pretrain", "pretrain-" + run,
                "datasetId", datasetId, "tokenizerId", tokenizerId, "modelId", modelId, "shape", "tiny",
                "hyperparameters", Map.of("batchSize", 8, "contextLength", 64, "stride", 32, "learningRate", 0.003,
                        "minLearningRate", 0.0003, "warmupSteps", 20, "evalEvery", 50, "evalBatches", 8,
                        "checkpointEvery", 100, "seed", 7),
                "maxSteps", STEPS), TRAINING_TIMEOUT, trainer);
        assertTrainingLearned(pretrain);

        JsonNode model = api.awaitModel(modelId);
        assertEquals("model", model.get("object").textValue());
        assertEquals(tokenizerId, model.get("tokenizer_id").textValue());
        assertEquals(pretrain.jobId(), model.get("job_id").textValue());
        assertEquals(VOCAB, model.get("config").get("vocabSize").intValue());
        assertEquals(ArtifactKeys.modelDir(modelId), model.get("artifact").textValue());
        assertGeneratesDeterministically(artifacts.path(model.get("artifact").textValue()));
        assertServedThroughTheGateway(api);

        assertARestartedGatewayKeepsJobHistory(List.of(train, tokenize, pretrain));
    }

    /**
     * The tokenizer job's trace, as Jaeger would show it: the gateway's HTTP span, its write of the job, the
     * tokenizer-service consuming it, the events it wrote, and the gateway reading those events back.
     */
    private void assertOneTraceAcrossTheMesh() {
        Duration wait = Duration.ofSeconds(30);
        ReceivedSpan request = traces.awaitSpan(wait, s -> "gateway".equals(s.service())
                && s.kind() == ReceivedSpan.Kind.SERVER && s.name().contains("/v1/tokenizers"));
        ReceivedSpan sent = traces.awaitSpan(wait, s -> "gateway".equals(s.service())
                && s.kind() == ReceivedSpan.Kind.PRODUCER && s.isChildOf(request) && s.name().contains(Topics.TOKENIZER_JOBS));
        ReceivedSpan consumed = traces.awaitSpan(wait, s -> "tokenizer-service".equals(s.service())
                && s.kind() == ReceivedSpan.Kind.CONSUMER && s.isChildOf(sent));
        ReceivedSpan reported = traces.awaitSpan(wait, s -> "tokenizer-service".equals(s.service())
                && s.kind() == ReceivedSpan.Kind.PRODUCER && s.traceId().equals(consumed.traceId())
                && s.name().contains(Topics.JOB_EVENTS));
        ReceivedSpan readBack = traces.awaitSpan(wait, s -> "gateway".equals(s.service())
                && s.kind() == ReceivedSpan.Kind.CONSUMER && s.isChildOf(reported));
        assertEquals(request.traceId(), readBack.traceId(), "one trace from the HTTP request back to the gateway");
    }

    /**
     * inference-service loads the announced model; completions come back through the gateway in OpenAI's format,
     * and the official openai npm client can use them.
     */
    private void assertServedThroughTheGateway(GatewayClient api) throws Exception {
        inference = ServiceProcess.start("inference-service", env, logs).awaitHealthy();
        Map<String, Object> greedy = Map.of("model", modelId, "prompt", "Call me Ishmael.", "max_tokens", 12,
                "temperature", 0, "logprobs", 1);
        JsonNode first = api.postJson("/v1/completions", greedy).expect(200).body();
        JsonNode second = api.postJson("/v1/completions", greedy).expect(200).body();
        JsonNode choice = first.get("choices").get(0);
        assertEquals(choice.get("text"), second.get("choices").get(0).get("text"), "greedy decoding is deterministic");
        assertFalse(choice.get("text").textValue().isEmpty(), first.toString());
        assertEquals(first.get("usage").get("completion_tokens").intValue(),
                choice.get("logprobs").get("tokens").size(), first.toString());
        System.out.println("completion through the gateway: " + choice.get("text"));

        OpenAiNodeClient.check(api.base(), modelId);
    }

    /** Job state lives in Kafka, not in the gateway: a fresh gateway replays it and answers as the old one did. */
    private void assertARestartedGatewayKeepsJobHistory(List<JobRun> runs) throws Exception {
        gateway.close();
        gateway = startGateway("gateway-restarted");
        GatewayClient api = new GatewayClient(gateway.port());
        for (JobRun run : runs) {
            JsonNode job = api.get("/v1/jobs/" + run.jobId()).expect(200).body();
            assertEquals("SUCCEEDED", job.get("state").textValue(), job.toString());
            assertEquals(run.events().size(), job.get("events").intValue(), "every event replayed for " + run.jobId());
        }
        List<JobEvent> replayed = api.follow(runs.getLast().jobId(), Duration.ofSeconds(30));
        assertEquals(runs.getLast().events(), replayed, "the event stream of a finished job replays it whole and ends");
        assertTrue(api.get("/v1/models").expect(200).text().contains(modelId), "the model is listed after a restart");
    }

    /** Every shard the manifest names is cached in Redis with the same bytes as in the artifact store. */
    private void assertShardsInRedisAndArtifacts(long tokens) throws Exception {
        assertTrue(tokens > 10_000, "tokens: " + tokens);
        TokenManifest manifest = Json.LENIENT.readValue(
                artifacts.path(ArtifactKeys.tokensManifest(datasetId, tokenizerId)).toFile(), TokenManifest.class);
        assertEquals(tokens, manifest.tokens());
        assertTrue(manifest.shards().size() >= 2, "shards: " + manifest.shards().size());
        try (var redis = GuardedRedis.create(MeshInfra.get().redisUri(), GuardedRedis.Settings.DEFAULTS)) {
            var cache = new RedisShardCache(redis, Duration.ofMinutes(5));
            for (TokenManifest.Shard shard : manifest.shards()) {
                byte[] cached = cache.get(tokenizerId, datasetId, shard.index()).orElseThrow(
                        () -> new AssertionError("shard " + shard.index() + " is not in Redis"));
                assertArrayEquals(Files.readAllBytes(artifacts.path(shard.key())), cached, "shard " + shard.index());
            }
        }
    }

    private static void assertTrainingLearned(JobRun pretrain) {
        List<Double> validation = pretrain.metric("validationLoss");
        assertTrue(validation.size() >= 3, "validation losses reported: " + validation);
        assertFalse(pretrain.metric("loss").isEmpty(), "training loss reported");
        assertFalse(pretrain.metric("tokensPerSecond").isEmpty(), "throughput reported");
        double uniform = Math.log(VOCAB);
        double last = pretrain.resultNumber("validationLoss");
        assertTrue(last < uniform - 1.0, "final validation loss " + last + " must be at least 1 nat below the "
                + "uniform baseline ln(" + VOCAB + ") = " + uniform + "; all: " + validation);
        assertTrue(last < validation.getFirst(), "validation loss fell: " + validation);
        assertEquals(STEPS, pretrain.resultNumber("steps"));
        System.out.println("training loss " + pretrain.metric("loss").getFirst() + " -> " + pretrain.resultNumber("loss")
                + ", validation loss " + validation + " (uniform " + uniform + ")");
    }

    private void assertGeneratesDeterministically(Path modelDir) throws Exception {
        BpeTokenizer bpe = new TokenizerRegistry(artifacts).find(tokenizerId).orElseThrow();
        int[] prompt = bpe.encode("Call me Ishmael. Some years ago");
        try (GptModel model = GptCheckpoint.load(modelDir, Device.cpu())) {
            int[] first = Greedy.generate(model, prompt, 24);
            int[] second = Greedy.generate(model, prompt, 24);
            assertArrayEquals(first, second, "greedy decoding is deterministic");
            String text = bpe.decode(first);
            assertFalse(text.isBlank(), "generated text: '" + text + "'");
            System.out.println("generated after the prompt: " + text);
        }
    }

    /** From chapter 1 on: the front matter (etymology, extracts) reads nothing like the book. */
    private static String mobyDickExcerpt() throws Exception {
        String book = Files.readString(ServiceJars.root().resolve("datasets/corpus/moby-dick.txt"));
        int start = book.lastIndexOf("CHAPTER 1. Loomings", book.indexOf("Call me Ishmael."));
        return book.substring(start, start + EXCERPT_CHARS);
    }
}
