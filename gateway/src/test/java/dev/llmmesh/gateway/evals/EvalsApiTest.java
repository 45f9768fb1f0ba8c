package dev.llmmesh.gateway.evals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.gateway.TestGateways;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.Progress;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalSample;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The evaluation routes on the real Kafka broker: this test publishes what eval-service would (results on
 * {@code llm.eval.results}, files under {@code evals/{id}/} in the artifact store, events on {@code llm.jobs.events})
 * and reads it back through the gateway.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvalsApiTest implements UsesMeshInfra {
    /** The tokenizer every model here is published with. */
    private static final String TOKENIZER = "gpt2";

    /** Other test classes share the broker: every id here is this run's own. */
    private final String run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path artifactsDir;
    private FileArtifactStore artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        artifactsDir = TestGateways.artifactsDir();
        artifacts = new FileArtifactStore(artifactsDir);
        return TestGateways.properties(artifactsDir, false);
    }

    record Reply(int status, JsonNode body, String text, HttpResponse<String> response) {
        String field() {
            return body.path("field").asText(null);
        }
    }

    @Test
    void theLeaderboardRanksEachTaskByItsPrimaryMetricInItsDirection() throws Exception {
        String suite = "rank-" + run;
        // Perplexity: lower is better; two models tie.
        publishModel("lm-a-" + run, ModelKind.BASE);
        publishModel("lm-b-" + run, ModelKind.BASE);
        publishModel("lm-c-" + run, ModelKind.BASE);
        publishModel("cls-a-" + run, ModelKind.CLASSIFIER);
        publishModel("cls-b-" + run, ModelKind.CLASSIFIER);
        publish(result("e1-" + run, "lm-a-" + run, suite, EvalTask.PERPLEXITY, Map.of("perplexity", 50.0, "loss",
                Math.log(50)), 100, 1));
        publish(result("e2-" + run, "lm-b-" + run, suite, EvalTask.PERPLEXITY, Map.of("perplexity", 20.0), 100, 2));
        publish(result("e3-" + run, "lm-c-" + run, suite, EvalTask.PERPLEXITY, Map.of("perplexity", 20.0), 300, 3));
        // Accuracy: higher is better.
        publish(result("e4-" + run, "cls-a-" + run, suite, EvalTask.CLASSIFICATION, Map.of("accuracy", 0.7,
                "macroF1", 0.9), 50, 4));
        publish(result("e5-" + run, "cls-b-" + run, suite, EvalTask.CLASSIFICATION, Map.of("accuracy", 0.9,
                "macroF1", 0.1), 50, 5));
        // A figure without the primary metric is listed last, unranked; one of a model no longer published not at all.
        publishModel("lm-d-" + run, ModelKind.BASE);
        publish(result("e6-" + run, "lm-d-" + run, suite, EvalTask.PERPLEXITY, Map.of("loss", 1.0), 100, 6));
        publish(result("e7-" + run, "lm-gone-" + run, suite, EvalTask.PERPLEXITY, Map.of("perplexity", 1.0), 100, 7));

        JsonNode board = awaitJson("/v1/leaderboard?suite=" + suite, b -> b.path("groups").size() == 2
                && b.path("groups").get(0).path("data").size() == 4).body();
        assertEquals("leaderboard", board.path("object").asText());
        assertEquals(suite, board.path("suite").asText());
        assertTrue(board.path("rankedBy").asText().contains("one group per task and dataset"), board.toString());
        JsonNode perplexity = board.path("groups").get(0);
        assertEquals("perplexity", perplexity.path("task").asText());
        assertEquals("perplexity", perplexity.path("metric").asText());
        assertFalse(perplexity.path("higherIsBetter").asBoolean(true));
        // The group says what its figures were measured on.
        assertEquals("ds-" + run, perplexity.path("datasetId").asText());
        assertEquals(TOKENIZER, perplexity.path("tokenizerId").asText());
        assertEquals(256, perplexity.path("contextLength").asInt());
        assertEquals(512, perplexity.path("stride").asInt());
        // The tie shares rank 1 (the figure over more examples first), the next is 3rd.
        assertEquals(List.of("lm-c-" + run, "lm-b-" + run, "lm-a-" + run, "lm-d-" + run), ids(perplexity, "modelId"));
        assertEquals(List.of("1", "1", "3", ""), ids(perplexity, "rank"));
        JsonNode first = perplexity.path("data").get(0);
        assertEquals(20.0, first.path("value").asDouble());
        assertEquals(300, first.path("examples").asLong());
        assertEquals(19.0, first.path("interval").path("low").asDouble());
        assertEquals(21.0, first.path("interval").path("high").asDouble());
        assertEquals(0.95, first.path("interval").path("level").asDouble());

        JsonNode classification = board.path("groups").get(1);
        assertEquals("accuracy", classification.path("metric").asText());
        assertTrue(classification.path("higherIsBetter").asBoolean());
        assertEquals("ds-" + run, classification.path("datasetId").asText());
        assertFalse(classification.has("tokenizerId") || classification.has("stride"), classification.toString());
        assertEquals(List.of("cls-b-" + run, "cls-a-" + run), ids(classification, "modelId"));
        assertEquals(List.of("1", "2"), ids(classification, "rank"));

        Reply onlyAccuracy = get("/v1/leaderboard?suite=" + suite + "&task=classification");
        assertEquals(1, onlyAccuracy.body().path("groups").size(), onlyAccuracy.text());
        assertEquals("classification", onlyAccuracy.body().path("groups").get(0).path("task").asText());
        assertEquals(0, get("/v1/leaderboard?suite=no-such-" + run).body().path("groups").size());
        Reply badTask = get("/v1/leaderboard?task=speed");
        assertEquals(400, badTask.status());
        assertEquals("task", badTask.field());
        assertTrue(badTask.body().path("detail").asText().contains("multiple-choice"), badTask.text());
    }

    @Test
    void theLeaderboardNeverRanksFiguresMeasuredOnDifferentDataOrWindowsTogether() throws Exception {
        String suite = "apart-" + run;
        String other = "other-" + run;
        for (String model : List.of("p-base", "p-data", "p-tok", "p-ctx", "p-stride", "p-own", "c-base", "c-data")) {
            publishModel(model + "-" + run, model.startsWith("c-") ? ModelKind.CLASSIFIER : ModelKind.BASE);
        }
        Map<String, Object> windows = Map.of("tokenizerId", TOKENIZER, "contextLength", 256, "stride", 512);
        // Each would rank first were figures pooled: every one differs from p-base in one thing a perplexity hangs on.
        publish(result("a1-" + run, "p-base-" + run, suite, EvalTask.PERPLEXITY, "ds-" + run, windows, 30.0, 1));
        publish(result("a2-" + run, "p-data-" + run, suite, EvalTask.PERPLEXITY, other, windows, 3.0, 2));
        publish(result("a3-" + run, "p-tok-" + run, suite, EvalTask.PERPLEXITY, "ds-" + run, Map.of("tokenizerId",
                "bytes-" + run, "contextLength", 256, "stride", 512), 4.0, 3));
        publish(result("a4-" + run, "p-ctx-" + run, suite, EvalTask.PERPLEXITY, "ds-" + run, Map.of("tokenizerId",
                TOKENIZER, "contextLength", 1024, "stride", 512), 5.0, 4));
        publish(result("a5-" + run, "p-stride-" + run, suite, EvalTask.PERPLEXITY, "ds-" + run, Map.of("tokenizerId",
                TOKENIZER, "contextLength", 256, "stride", 64), 6.0, 5));
        // Over a dataset given by id the text is cut by the model's own tokenizer, which the parameters may not name.
        publish(result("a6-" + run, "p-own-" + run, suite, EvalTask.PERPLEXITY, "ds-" + run, Map.of("contextLength",
                256, "stride", 512), 40.0, 6));
        publish(result("a7-" + run, "c-base-" + run, suite, EvalTask.CLASSIFICATION, "ds-" + run, Map.of(), 0.5, 7));
        publish(result("a8-" + run, "c-data-" + run, suite, EvalTask.CLASSIFICATION, other, Map.of(), 0.9, 8));

        JsonNode board = awaitJson("/v1/leaderboard?suite=" + suite, b -> b.path("groups").size() == 7).body();
        List<String> groups = new ArrayList<>();
        board.path("groups").forEach(g -> groups.add(g.path("task").asText() + " " + g.path("datasetId").asText()
                + " " + g.path("tokenizerId").asText("-") + " " + g.path("contextLength").asText("-") + " "
                + g.path("stride").asText("-") + ": " + ids(g, "modelId")));
        // Ordered by task, then dataset, tokenizer, context and stride.
        assertEquals(List.of(
                "perplexity ds-" + run + " bytes-" + run + " 256 512: [p-tok-" + run + "]",
                "perplexity ds-" + run + " " + TOKENIZER + " 256 64: [p-stride-" + run + "]",
                "perplexity ds-" + run + " " + TOKENIZER + " 256 512: [p-base-" + run + ", p-own-" + run + "]",
                "perplexity ds-" + run + " " + TOKENIZER + " 1024 512: [p-ctx-" + run + "]",
                "perplexity " + other + " " + TOKENIZER + " 256 512: [p-data-" + run + "]",
                "classification ds-" + run + " - - -: [c-base-" + run + "]",
                "classification " + other + " - - -: [c-data-" + run + "]"), groups);
        for (JsonNode group : board.path("groups")) {
            assertEquals("1", ids(group, "rank").getFirst(), group.toString());
        }
    }

    @Test
    void aRepublishedSuiteFigureReplacesTheOldOneARequestedEvalNeverDoesAndARestartSeesTheSame() throws Exception {
        String model = "lm-keep-" + run;
        String suite = "keep-" + run;
        publishModel(model, ModelKind.BASE);
        EvalResult automatic = result("auto1-" + run, model, suite, EvalTask.PERPLEXITY, Map.of("perplexity", 50.0),
                100, 1);
        writeFiles(automatic, 3);
        publish(automatic);
        EvalResult requested = result("asked-" + run, model, null, EvalTask.PERPLEXITY, Map.of("perplexity", 10.0),
                100, 2);
        publish(requested);
        // A requested result published under the automatic key (a bug elsewhere) must not replace the suite's figure.
        KafkaProbe.send(Topics.EVAL_RESULTS, EvalResult.key(model, suite, null),
                Json.bytes(result("rogue-" + run, model, null, EvalTask.PERPLEXITY, Map.of("perplexity", 1.0), 100,
                        3)));
        JsonNode list = awaitJson("/v1/models/" + model + "/evals", b -> b.path("data").size() == 2).body();
        assertEquals("list", list.path("object").asText());
        assertEquals(List.of("asked-" + run, "auto1-" + run), ids(list, "evalId"), "newest first");
        JsonNode auto = list.path("data").get(1);
        assertEquals(suite, auto.path("suite").asText());
        assertEquals("perplexity", auto.path("task").asText());
        assertEquals(50.0, auto.path("metrics").path("perplexity").asDouble());
        assertEquals(47.5, auto.path("intervals").path("perplexity").path("low").asDouble());
        assertEquals(100, auto.path("examples").asLong());
        assertEquals(0, auto.path("skipped").asLong());
        assertEquals(512, auto.path("parameters").path("stride").asInt());
        assertFalse(list.path("data").get(0).has("suite"), "a requested eval has no suite");
        assertEquals(50.0, leaderValue(suite, model));
        assertEquals(404, get("/v1/evals/rogue-" + run).status());

        // eval-service measured the model again: the figure is replaced, and the old run still answers from its files.
        EvalResult again = result("auto2-" + run, model, suite, EvalTask.PERPLEXITY, Map.of("perplexity", 40.0), 100,
                4);
        publish(again);
        awaitJson("/v1/leaderboard?suite=" + suite, b -> b.path("groups").path(0).path("data").path(0)
                .path("value").asDouble() == 40.0);
        assertEquals(List.of("auto2-" + run, "asked-" + run), ids(get("/v1/models/" + model + "/evals").body(),
                "evalId"));
        // The newest first, a limit taken across finished and unfinished evaluations alike.
        assertEquals(List.of("auto2-" + run), ids(get("/v1/evals?modelId=" + model + "&limit=1").body(), "id"));
        assertEquals(List.of("auto2-" + run, "asked-" + run), ids(get("/v1/evals?modelId=" + model + "&limit=2")
                .body(), "id"));
        assertEquals(List.of("auto2-" + run), ids(get("/v1/evals?modelId=" + model + "&suite=" + suite).body(), "id"));
        Reply old = get("/v1/evals/auto1-" + run);
        assertEquals(200, old.status(), old.text());
        assertEquals(50.0, old.body().path("metrics").path("perplexity").asDouble());
        assertEquals("SUCCEEDED", old.body().path("state").asText());
        assertEquals(10.0, get("/v1/evals/asked-" + run).body().path("metrics").path("perplexity").asDouble());

        Reply suiteAsked = post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":\"perplexity\",\"suite\":\""
                + suite + "\"}");
        assertEquals(400, suiteAsked.status(), suiteAsked.text());
        assertEquals("suite", suiteAsked.field());
        Reply suiteAsJob = post("/v1/jobs", "{\"type\":\"evaluate\",\"modelId\":\"" + model + "\",\"task\":"
                + "\"perplexity\",\"suite\":\"" + suite + "\"}");
        assertEquals(400, suiteAsJob.status(), suiteAsJob.text());
        assertEquals("suite", suiteAsJob.field());

        Map<String, Object> props = new HashMap<>(TestGateways.properties(artifactsDir, false));
        props.put("micronaut.server.port", "-1");
        try (EmbeddedServer second = ApplicationContext.run(EmbeddedServer.class, props)) {
            // No polling: a fresh gateway answers once it has replayed the results, with the latest per key.
            String base = second.getURL().toString();
            assertEquals(List.of("auto2-" + run, "asked-" + run), ids(send(base, "GET", "/v1/models/" + model
                    + "/evals", null, null).body(), "evalId"));
            JsonNode board = send(base, "GET", "/v1/leaderboard?suite=" + suite, null, null).body();
            assertEquals(40.0, board.path("groups").path(0).path("data").path(0).path("value").asDouble(),
                    board.toString());
        }
    }

    @Test
    void anEvaluationAskedForIsAJobWhoseStateThenFiguresThenSamplesComeBack() throws Exception {
        String model = "lm-ask-" + run;
        String dataset = "held-out-" + run;
        publishModel(model, ModelKind.BASE);
        Reply upload = send("POST", "/v1/datasets?id=" + dataset + "&format=text", "text/plain",
                "Call me Ishmael.\nSome years ago.\n");
        assertEquals(201, upload.status(), upload.text());

        Reply submitted = post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":\"perplexity\",\"datasetId\":\""
                + dataset + "\",\"maxExamples\":64,\"seed\":7,\"parameters\":{\"stride\":128}}");
        assertEquals(202, submitted.status(), submitted.text());
        String id = submitted.body().path("id").asText();
        assertEquals("evaluate", submitted.body().path("type").asText());
        assertEquals("QUEUED", submitted.body().path("state").asText());
        assertEquals("/v1/evals/" + id, submitted.response().headers().firstValue("Location").orElseThrow());
        var records = KafkaProbe.readUntil(Topics.EVAL_JOBS, Duration.ofSeconds(20),
                seen -> seen.stream().anyMatch(r -> id.equals(r.key())));
        JsonNode job = Json.LENIENT.readTree(records.stream().filter(r -> id.equals(r.key())).findFirst().orElseThrow()
                .value());
        assertEquals("evaluate", job.path("type").asText());
        assertEquals(model, job.path("modelId").asText());
        assertEquals(dataset, job.path("datasetId").asText());
        assertEquals(64, job.path("maxExamples").asInt());

        // Queued: the job's state, with what was asked once the gateway has read the request back.
        JsonNode queued = awaitJson("/v1/evals/" + id, b -> b.has("modelId")).body();
        assertEquals("QUEUED", queued.path("state").asText());
        assertEquals("perplexity", queued.path("task").asText());
        assertEquals(128, queued.path("parameters").path("stride").asInt());
        assertEquals(7, queued.path("parameters").path("seed").asInt());
        Reply early = get("/v1/evals/" + id + "/samples");
        assertEquals(409, early.status(), early.text());
        assertEquals("id", early.field());

        Progress progress = new Progress(32, 64, "windows", "scoring", 8.0, 4L, Map.of());
        KafkaProbe.send(Topics.JOB_EVENTS, id, Json.bytes(JobEvent.running(id, "evaluate", progress)));
        JsonNode running = awaitJson("/v1/evals/" + id, b -> b.path("state").asText().equals("RUNNING")).body();
        assertEquals(32, running.path("progress").path("done").asInt());
        JsonNode listed = get("/v1/evals?modelId=" + model).body().path("data");
        assertEquals(1, listed.size(), listed.toString());
        assertEquals("RUNNING", listed.get(0).path("state").asText());
        assertEquals(1, get("/v1/evals?task=perplexity&modelId=" + model).body().path("data").size());
        assertEquals(0, get("/v1/evals?task=generation&modelId=" + model).body().path("data").size());
        // An older finished evaluation of the model: the limit is taken across both, newest first.
        publish(result("older-" + run, model, null, EvalTask.PERPLEXITY, Map.of("perplexity", 30.0), 10,
                -10_000_000));
        awaitJson("/v1/evals?modelId=" + model, b -> b.path("data").size() == 2);
        assertEquals(List.of(id, "older-" + run), ids(get("/v1/evals?modelId=" + model).body(), "id"));
        assertEquals(List.of(id), ids(get("/v1/evals?modelId=" + model + "&limit=1").body(), "id"));

        EvalResult done = result(id, model, null, EvalTask.PERPLEXITY, Map.of("perplexity", 12.5, "loss",
                Math.log(12.5), "tokens", 6400.0), 64, 5);
        writeFiles(done, 45);
        publish(done);
        KafkaProbe.send(Topics.JOB_EVENTS, id, Json.bytes(JobEvent.succeeded(id, "evaluate", "done", Map.of())));
        JsonNode finished = awaitJson("/v1/evals/" + id, b -> b.path("state").asText().equals("SUCCEEDED")).body();
        assertEquals(12.5, finished.path("metrics").path("perplexity").asDouble());
        assertEquals(6400.0, finished.path("metrics").path("tokens").asDouble());
        assertEquals("eval", finished.path("object").asText());
        assertEquals("/v1/evals/" + id + "/samples", finished.path("samples").asText());
        assertEquals("scored windows", finished.path("details").path("note").asText(), "details on the single view");
        JsonNode after = get("/v1/evals?modelId=" + model).body().path("data");
        assertEquals(2, after.size(), "the finished eval replaces its running entry: " + after);
        assertEquals("SUCCEEDED", after.get(0).path("state").asText(), after.toString());
        assertFalse(after.get(0).has("details"), "the list leaves details out");

        Reply first = get("/v1/evals/" + id + "/samples");
        assertEquals(200, first.status(), first.text());
        assertEquals(45, first.body().path("total").asLong());
        assertEquals(20, first.body().path("limit").asInt());
        assertEquals(List.of("0", "1", "2"), ids(first.body(), "index").subList(0, 3));
        Reply last = get("/v1/evals/" + id + "/samples?offset=40&limit=20");
        assertEquals(List.of("40", "41", "42", "43", "44"), ids(last.body(), "index"));
        assertEquals(-0.5 * 41, last.body().path("data").get(1).path("scores").path("logLikelihood").asDouble());
        assertEquals("window 42", last.body().path("data").get(2).path("input").asText());
        assertEquals(0, get("/v1/evals/" + id + "/samples?offset=45").body().path("data").size());
        assertEquals("offset", get("/v1/evals/" + id + "/samples?offset=-1").field());
        assertEquals("limit", get("/v1/evals/" + id + "/samples?limit=1001").field());
    }

    @Test
    void aBadRequestIsRefusedNamingItsField() throws Exception {
        String model = "lm-bad-" + run;
        publishModel(model, ModelKind.BASE);
        assertRefused(400, "modelId", post("/v1/evals", "{\"modelId\":\"no-such-" + run + "\",\"task\":"
                + "\"perplexity\"}"));
        assertRefused(400, "datasetId", post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":\"perplexity\","
                + "\"datasetId\":\"no-such-" + run + "\"}"));
        Reply task = post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":\"vibes\"}");
        assertRefused(400, "task", task);
        assertTrue(task.body().path("detail").asText().contains("perplexity, classification"), task.text());
        assertRefused(400, "task", post("/v1/evals", "{\"modelId\":\"" + model + "\"}"));
        assertRefused(400, "task", post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":7}"));
        assertRefused(400, "task", post("/v1/jobs", "{\"type\":\"evaluate\",\"modelId\":\"" + model + "\","
                + "\"task\":\"vibes\"}"));
        assertRefused(400, "judgeModelId", post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":\"judge\","
                + "\"judgeModelId\":\"no-judge-" + run + "\"}"));
        assertRefused(400, "judgeModelId", post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":\"judge\"}"));
        assertRefused(400, "maxExamples", post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":\"perplexity\","
                + "\"maxExamples\":0}"));
        assertRefused(400, "type", post("/v1/evals", "{\"type\":\"pretrain\",\"modelId\":\"" + model + "\"}"));
        assertRefused(400, "colour", post("/v1/evals", "{\"modelId\":\"" + model + "\",\"task\":\"perplexity\","
                + "\"colour\":1}"));
        assertRefused(400, "body", post("/v1/evals", "{nope"));

        assertRefused(404, "id", get("/v1/evals/no-such-" + run));
        assertRefused(404, "id", get("/v1/evals/no-such-" + run + "/samples"));
        assertRefused(404, "id", get("/v1/models/no-such-" + run + "/evals"));
        assertRefused(400, "limit", get("/v1/evals?limit=0"));
        assertRefused(400, "task", get("/v1/evals?task=vibes"));
        assertEquals(0, get("/v1/models/" + model + "/evals").body().path("data").size());
    }

    private static void assertRefused(int status, String field, Reply reply) {
        assertEquals(status, reply.status(), reply.text());
        assertEquals("application/problem+json", reply.response().headers().firstValue("Content-Type").orElse(""),
                reply.text());
        assertEquals(field, reply.field(), reply.text());
    }

    private EvalResult result(String evalId, String modelId, String suite, EvalTask task, Map<String, Double> metrics,
                              long examples, int minute) {
        return result(evalId, modelId, suite, task, "ds-" + run, Map.of("tokenizerId", TOKENIZER, "contextLength", 256,
                "stride", 512), metrics, examples, minute);
    }

    /** A result whose primary metric is {@code figure}, over 100 examples. */
    private EvalResult result(String evalId, String modelId, String suite, EvalTask task, String datasetId,
                              Map<String, Object> parameters, double figure, int minute) {
        return result(evalId, modelId, suite, task, datasetId, parameters, Map.of(task.primaryMetric(), figure), 100,
                minute);
    }

    private EvalResult result(String evalId, String modelId, String suite, EvalTask task, String datasetId,
                              Map<String, Object> parameters, Map<String, Double> metrics, long examples, int minute) {
        String metric = task.primaryMetric();
        Map<String, EvalResult.Interval> intervals = metrics.containsKey(metric) ? Map.of(metric,
                new EvalResult.Interval(metrics.get(metric) * 0.95, metrics.get(metric) * 1.05, 0.95)) : Map.of();
        return new EvalResult(EvalResult.TYPE, EvalResult.SCHEMA_VERSION, evalId, modelId, suite, task, datasetId,
                metrics, intervals, examples, 0, parameters, Json.LENIENT.createObjectNode()
                .put("note", "scored windows"), Instant.parse("2026-12-02T10:00:00Z").plusSeconds(60L * minute));
    }

    private void publish(EvalResult result) throws Exception {
        KafkaProbe.send(Topics.EVAL_RESULTS, result.key(), Json.bytes(result));
    }

    /** What eval-service writes: the summary and one sample per example. */
    private void writeFiles(EvalResult result, int samples) throws Exception {
        artifacts.write(ArtifactKeys.evalSummary(result.evalId()), Json.bytes(result));
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < samples; i++) {
            EvalSample sample = new EvalSample(i, Json.LENIENT.getNodeFactory().textNode("window " + i), null,
                    Json.LENIENT.createObjectNode().put("tokens", 100), Map.of("logLikelihood", -0.5 * i));
            lines.append(Json.LENIENT.writeValueAsString(sample)).append('\n');
        }
        artifacts.write(ArtifactKeys.evalSamples(result.evalId()), lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void publishModel(String modelId, ModelKind kind) throws Exception {
        var model = ModelAnnouncement.base(modelId, Map.of("layers", 2), TOKENIZER, "models/" + modelId + "/", "job-"
                + modelId, Map.of(), Instant.now()).withKind(kind);
        KafkaProbe.send(Topics.MODELS, modelId, Json.bytes(model));
        awaitJson("/v1/models/" + modelId, b -> true);
    }

    private double leaderValue(String suite, String modelId) throws Exception {
        for (JsonNode entry : get("/v1/leaderboard?suite=" + suite).body().path("groups").path(0).path("data")) {
            if (entry.path("modelId").asText().equals(modelId)) {
                return entry.path("value").asDouble();
            }
        }
        throw new AssertionError(modelId + " is not on the " + suite + " leaderboard");
    }

    /** The field of each of a list's {@code data} entries, as text ("" where absent). */
    private static List<String> ids(JsonNode list, String field) {
        List<String> out = new ArrayList<>();
        list.path("data").forEach(e -> out.add(e.path(field).asText("")));
        return out;
    }

    /** GETs {@code path} until it answers 200 with a body that {@code done} accepts: the boards fill from Kafka. */
    private Reply awaitJson(String path, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Reply reply = get(path);
        while (!(reply.status() == 200 && done.test(reply.body()))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("GET " + path + " never answered as expected; last: " + reply.status() + " "
                        + reply.text());
            }
            Thread.sleep(100);
            reply = get(path);
        }
        return reply;
    }

    private Reply get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    private Reply post(String path, String json) throws Exception {
        return send("POST", path, "application/json", json);
    }

    private Reply send(String method, String path, String contentType, String body) throws Exception {
        return send(server.getURL().toString(), method, path, contentType, body);
    }

    private Reply send(String base, String method, String path, String contentType, String body) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        String ct = response.headers().firstValue("Content-Type").orElse("");
        JsonNode json = ct.contains("json") && !response.body().isEmpty() ? Json.LENIENT.readTree(response.body())
                : Json.LENIENT.missingNode();
        return new Reply(response.statusCode(), json, response.body(), response);
    }
}
