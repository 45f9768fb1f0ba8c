package dev.llmmesh.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * eval-service on one stack of real processes (tokenizer, trainer, inference, two eval-service replicas, gateway)
 * on the testkit's broker and Redis: a model the trainer publishes is evaluated automatically, once although two
 * replicas both start its default suite, and its perplexity is exp(the trainer's validation loss) on the same
 * windows, scored through the replicas, also for a model trained on its whole context (whose windows are one token
 * longer than its positions); a requested generation eval lists its samples through the gateway; an eval-service
 * killed mid-job (SIGKILL) and started again finishes the job once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvalServiceIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String textDataset = "eval-text-" + run;
    private final String modelId = "eval-model-" + run;

    private Map<String, String> env;
    private Path logs;
    private final List<ServiceJvm> services = new ArrayList<>();
    private ServiceJvm trainer;
    private ServiceJvm evalA;
    private ServiceJvm evalB;
    private GatewayClient api;
    private double validationLoss;

    @BeforeAll
    void startStackAndTrainAModel() throws Exception {
        MeshInfra infra = MeshInfra.get();
        infra.createTopics(Topics.PARTITIONS);
        Path runDir = Path.of("target", "it-eval-" + run).toAbsolutePath();
        Path artifacts = Files.createDirectories(runDir.resolve("artifacts"));
        env = Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers(), "REDIS_URI", infra.redisUri(),
                "LLM_ARTIFACTS_DIR", artifacts.toString());
        logs = runDir.resolve("logs");
        ServiceJvm tokenizer = start("tokenizer-service", env, "tokenizer-service");
        trainer = start("trainer-service", env, "trainer-service");
        start("inference-service", env, "inference-service");
        evalA = start("eval-service", env, "eval-service-a");
        evalB = start("eval-service", env, "eval-service-b");
        for (ServiceJvm service : services) {
            service.awaitHealthy();
        }
        Map<String, String> gatewayEnv = new HashMap<>(env);
        gatewayEnv.put("LLM_AUTH_ENABLED", "false");
        gatewayEnv.put("MICRONAUT_HTTP_SERVICES_TOKENIZER_URL", "http://localhost:" + tokenizer.port());
        api = new GatewayClient(start("gateway", gatewayEnv, "gateway").awaitHealthy().port());

        api.post("/v1/datasets?id=" + textDataset, "text/plain", excerpt()).expect(201);
        JobRun.succeed(api, "/v1/jobs", JobRun.job("tokenize-dataset", "tokenize-" + run, "datasetId", textDataset,
                "tokenizerId", "gpt2"), TIMEOUT, tokenizer);
        Map<String, Object> pretrain = JobRun.job("pretrain", "pretrain-" + run, "datasetId", textDataset,
                "tokenizerId", "gpt2", "modelId", modelId, "shape", "tiny", "maxSteps", 4);
        // A context shorter than tiny's 64 positions: a held-out window (context + its last target) fits a replica.
        pretrain.put("hyperparameters", Map.of("batchSize", 2, "contextLength", 32, "warmupSteps", 1,
                "evalEvery", 1000, "evalBatches", 4));
        JobRun trained = JobRun.succeed(api, "/v1/jobs", pretrain, TIMEOUT, trainer);
        validationLoss = ((Number) trained.events().getLast().result().get("validationLoss")).doubleValue();
    }

    private ServiceJvm start(String service, Map<String, String> environment, String logName) throws Exception {
        ServiceJvm jvm = ServiceProcess.start(service, environment, logs, logName);
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
    void aPublishedModelIsEvaluatedOnceAutomaticallyAndItsPerplexityIsExpOfTheTrainersValidationLoss()
            throws Exception {
        String key = EvalResult.key(modelId, Suites.DEFAULT, null);
        List<ConsumerRecord<String, byte[]>> records = KafkaProbe.readUntil(Topics.EVAL_RESULTS, TIMEOUT,
                seen -> seen.stream().anyMatch(r -> key.equals(r.key())));
        EvalResult result = Json.LENIENT.readValue(records.stream().filter(r -> key.equals(r.key())).findFirst()
                .orElseThrow().value(), EvalResult.class);
        double perplexity = result.metrics().get("perplexity");
        assertEquals(Math.exp(validationLoss), perplexity, 1e-3 * Math.exp(validationLoss),
                "eval-service's perplexity against the trainer's validation loss " + validationLoss + ": " + result);
        assertTrue(result.intervals().get("perplexity").low() <= perplexity
                && perplexity <= result.intervals().get("perplexity").high(), result.toString());
        assertEquals(4 * 2, result.examples(), "the trainer's evalBatches x batchSize windows");

        // Both replicas started the suite; it ran once: one result, one terminal event.
        String jobId = result.evalId();
        assertTrue(Suites.automaticJobId(jobId), jobId);
        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        Thread.sleep(5_000);
        List<ConsumerRecord<String, byte[]>> later = KafkaProbe.readUntil(Topics.JOB_EVENTS, TIMEOUT,
                seen -> KafkaProbe.events(seen, jobId).size() >= events.size());
        assertEquals(1, KafkaProbe.events(later, jobId).stream().filter(e -> e.state().terminal()).count(),
                "terminal events of " + jobId + ": " + KafkaProbe.events(later, jobId));
        assertEquals(1, KafkaProbe.readUntil(Topics.EVAL_RESULTS, TIMEOUT, seen -> true).stream()
                .filter(r -> key.equals(r.key())).count(), "results under " + key);

        JsonNode listed = api.get("/v1/models/" + modelId + "/evals").expect(200).body();
        assertEquals(perplexity, listed.path("data").get(0).path("metrics").path("perplexity").asDouble(), 1e-12,
                listed.toString());
    }

    /** Trained on its whole context, a model's held-out windows are one token longer than its positions. */
    @Test
    @Order(2)
    void aModelTrainedOnItsWholeContextIsMeasuredOnTheSameWindowsThroughTheReplicas() throws Exception {
        String fullModel = "full-" + modelId;
        Map<String, Object> pretrain = JobRun.job("pretrain", "pretrain-full-" + run, "datasetId", textDataset,
                "tokenizerId", "gpt2", "modelId", fullModel, "shape", Map.of("contextLength", 32), "maxSteps", 2);
        pretrain.put("hyperparameters", Map.of("batchSize", 2, "warmupSteps", 1, "evalEvery", 1000,
                "evalBatches", 2));
        JobRun trained = JobRun.succeed(api, "/v1/jobs", pretrain, TIMEOUT, trainer);
        double loss = ((Number) trained.events().getLast().result().get("validationLoss")).doubleValue();
        String key = EvalResult.key(fullModel, Suites.DEFAULT, null);
        List<ConsumerRecord<String, byte[]>> records = KafkaProbe.readUntil(Topics.EVAL_RESULTS, TIMEOUT,
                seen -> seen.stream().anyMatch(r -> key.equals(r.key())));
        EvalResult result = Json.LENIENT.readValue(records.stream().filter(r -> key.equals(r.key())).findFirst()
                .orElseThrow().value(), EvalResult.class);
        assertEquals(Math.exp(loss), result.metrics().get("perplexity"), 1e-3 * Math.exp(loss), result.toString());
        assertEquals(32, ((Number) result.parameters().get("contextLength")).intValue());
    }

    @Test
    @Order(3)
    void aRequestedGenerationEvalListsItsScoredSamplesThroughTheGateway() throws Exception {
        String alpaca = "alpaca-" + run;
        String rows = String.join("\n",
                "{\"instruction\": \"Name the whale.\", \"input\": \"\", \"output\": \"Moby Dick\"}",
                "{\"instruction\": \"Who tells the story?\", \"input\": \"\", \"output\": \"Ishmael\"}",
                "{\"instruction\": \"Name the captain.\", \"input\": \"of the Pequod\", \"output\": \"Ahab\"}",
                "{\"instruction\": \"Where does the voyage start?\", \"input\": \"\", \"output\": \"Nantucket\"}");
        api.post("/v1/datasets?id=" + alpaca + "&format=alpaca", "application/x-ndjson", rows).expect(201);
        Map<String, Object> eval = new HashMap<>(Map.of("modelId", modelId, "task", "generation", "datasetId",
                alpaca, "maxExamples", 3, "seed", 7, "parameters", Map.of("maxTokens", 6)));
        JobRun done = JobRun.succeed(api, "/v1/evals", eval, TIMEOUT, evalA);

        JsonNode page = api.get("/v1/evals/" + done.jobId() + "/samples?limit=10").expect(200).body();
        JsonNode samples = page.path("data");
        assertEquals(3, samples.size(), page.toString());
        for (JsonNode sample : samples) {
            assertTrue(sample.path("output").path("text").isTextual(), sample.toString());
            assertTrue(sample.path("scores").has("rougeL") && sample.path("scores").has("bleu"), sample.toString());
        }
        JsonNode summary = api.get("/v1/evals/" + done.jobId()).expect(200).body();
        assertTrue(summary.toString().contains("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp"), summary.toString());
    }

    @Test
    @Order(4)
    void anEvalServiceKilledMidJobFinishesTheJobOnceWhenStartedAgain() throws Exception {
        Map<String, Object> eval = new HashMap<>(Map.of("jobId", "long-eval-" + run, "modelId", modelId, "task",
                "perplexity", "datasetId", textDataset, "maxExamples", 400, "parameters",
                Map.of("contextLength", 16, "stride", 8)));
        api.postJson("/v1/evals", eval).expect(202);
        String jobId = "long-eval-" + run;
        awaitProgress(jobId, 40);

        evalA.kill();
        evalB.kill();
        ServiceJvm restarted = start("eval-service", env, "eval-service-restarted").awaitHealthy();
        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        assertEquals(JobState.SUCCEEDED, events.getLast().state(), events.getLast() + "\nthe end of "
                + restarted.log() + ":\n" + restarted.logTail());
        Thread.sleep(3_000);
        List<JobEvent> all = KafkaProbe.events(KafkaProbe.readUntil(Topics.JOB_EVENTS, TIMEOUT, seen -> true), jobId);
        assertEquals(1, all.stream().filter(e -> e.state().terminal()).count(), all.toString());
        assertEquals(1, KafkaProbe.readUntil(Topics.EVAL_RESULTS, TIMEOUT, seen -> true).stream()
                .filter(r -> jobId.equals(r.key())).count());
        JsonNode summary = api.get("/v1/evals/" + jobId).expect(200).body();
        assertEquals(400, summary.path("examples").asInt(), summary.toString());
    }

    private void awaitProgress(String jobId, long done) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = api.get("/v1/jobs/" + jobId).expect(200).body();
            if (job.path("progress").path("done").asLong() >= done) {
                return;
            }
            assertTrue(!JobState.valueOf(job.path("state").asText()).terminal(), "the job ended early: " + job);
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " did not score " + done + " examples within " + TIMEOUT);
    }

    private static String excerpt() throws Exception {
        String book = Files.readString(ServiceJars.root().resolve("datasets/corpus/moby-dick.txt"));
        int start = book.indexOf("Call me Ishmael.");
        return book.substring(start, start + 40_000);
    }
}
