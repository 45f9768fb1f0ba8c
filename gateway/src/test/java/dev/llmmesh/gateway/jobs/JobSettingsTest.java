package dev.llmmesh.gateway.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.gateway.TestGateways;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Progress;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Job settings no trainer or tokenizer could run are refused at the door with a 400 (409 for a name taken)
 * naming the field, instead of being accepted and failing later; settings that only look unusual are accepted.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobSettingsTest implements UsesMeshInfra {
    private static final String DATASET = "settings-ds";
    private static final String TAKEN = "taken-tok";

    private final HttpClient http = HttpClient.newHttpClient();
    private Path artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        artifacts = TestGateways.artifactsDir();
        Map<String, String> props = TestGateways.properties(artifacts, false);
        props.put(TrainerMemoryLimit.PROPERTY, "4GB");
        return props;
    }

    /** What the tokenizer service would have left: a dataset tokenized with gpt2, and a trained tokenizer. */
    @BeforeAll
    void datasetTokenizedWithGpt2() throws IOException {
        var store = new FileArtifactStore(artifacts);
        store.write(ArtifactKeys.datasetText(DATASET), "text to train on".getBytes(StandardCharsets.UTF_8));
        store.write(ArtifactKeys.tokensManifest(DATASET, "gpt2"), "{}".getBytes(StandardCharsets.UTF_8));
        store.write(ArtifactKeys.tokenizerJson(TAKEN), "{}".getBytes(StandardCharsets.UTF_8));
    }

    record Reply(int status, JsonNode body, String text, String location) {
    }

    private Reply post(String json) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? null : Json.LENIENT.readTree(r.body()), r.body(),
                r.headers().firstValue("Location").orElse(null));
    }

    private Reply pretrain(String fields) throws Exception {
        return post("{\"type\":\"pretrain\",\"datasetId\":\"" + DATASET + "\",\"tokenizerId\":\"gpt2\"," + fields + "}");
    }

    private Reply trainTokenizer(String fields) throws Exception {
        return post("{\"type\":\"train-tokenizer\",\"datasetId\":\"" + DATASET + "\"," + fields + "}");
    }

    private static void assertRefused(int status, String field, Reply reply) {
        assertEquals(status, reply.status(), reply.text());
        assertEquals(field, reply.body().path("field").asText(null), reply.text());
        assertTrue(reply.body().path("detail").asText().contains(field), reply.text());
    }

    @Test
    void impossiblePretrainSettingsAreRefusedWith400NamingTheField() throws Exception {
        assertRefused(400, "shape.embedDim", pretrain("\"shape\":{\"embedDim\":1000000,\"heads\":1}"));
        assertRefused(400, "shape.contextLength", pretrain("\"shape\":{\"contextLength\":1000000}"));
        assertRefused(400, "hyperparameters.batchSize", pretrain("\"hyperparameters\":{\"batchSize\":1000000000}"));
        assertRefused(400, "hyperparameters.contextLength", pretrain("\"hyperparameters\":{\"contextLength\":1000000}"));
        assertRefused(400, "maxSteps", pretrain("\"maxSteps\":1.5"));
        assertRefused(400, "hyperparameters.warmupSteps",
                pretrain("\"hyperparameters\":{\"warmupSteps\":100},\"maxSteps\":50"));
    }

    @Test
    void aModelBeyondTheTrainersMemoryLimitIsRefusedWithTheNumbers() throws Exception {
        Reply xl = pretrain("\"shape\":\"gpt2-xl\",\"maxSteps\":10");
        assertEquals(400, xl.status(), xl.text());
        assertEquals("shape", xl.body().get("field").textValue());
        String detail = xl.body().get("detail").textValue();
        assertTrue(detail.matches("the job needs ~\\d+\\.\\d GiB .* this trainer can use 4\\.0 GiB \\(the gateway's "
                + "llm.jobs.trainer-memory-limit\\); lower hyperparameters.batchSize or hyperparameters.contextLength, "
                + "or use a smaller model"), detail);
        Reply batch = pretrain("\"shape\":\"gpt2\",\"hyperparameters\":{\"batchSize\":64},\"maxSteps\":10");
        assertEquals("hyperparameters.batchSize", batch.body().get("field").textValue(), batch.text());
    }

    @Test
    void impossibleTrainTokenizerSettingsAreRefusedNamingTheField() throws Exception {
        assertRefused(400, "vocabSize", trainTokenizer("\"vocabSize\":0"));
        assertRefused(400, "vocabSize", trainTokenizer("\"vocabSize\":-1"));
        assertRefused(400, "vocabSize", trainTokenizer("\"vocabSize\":100"));
        assertRefused(400, "vocabSize", trainTokenizer("\"vocabSize\":100000000"));
        assertRefused(400, "minFrequency", trainTokenizer("\"vocabSize\":300,\"minFrequency\":-5"));
        assertRefused(409, "tokenizerId", trainTokenizer("\"vocabSize\":300,\"tokenizerId\":\"" + TAKEN + "\""));
        assertRefused(409, "tokenizerId", trainTokenizer("\"vocabSize\":300,\"tokenizerId\":\"gpt2\""));
    }

    @Test
    void aShortRunWithoutAWarmupIsAcceptedAndWhileRunningItsMessageIsItsProgress() throws Exception {
        Reply accepted = pretrain("\"maxSteps\":50");
        assertEquals(202, accepted.status(), accepted.text());
        assertEquals("submitted", accepted.body().get("message").textValue());
        String jobId = accepted.body().get("id").textValue();

        Progress step12 = new Progress(12, 50, "steps", "training", 3.0, 13L, Map.of("loss", 5.0));
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.running(jobId, "pretrain", step12)));
        assertEquals("running: training, 12/50 steps", awaitMessage(jobId, "running"));
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.cancelled(jobId, "pretrain",
                "cancelled at step 12 of 50; no model was published")));
        assertEquals("cancelled at step 12 of 50; no model was published", awaitMessage(jobId, "cancelled"));
        // a late progress report from a replica that had not yet stopped changes nothing
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.running(jobId, "pretrain", step12)));
        Thread.sleep(500);
        assertEquals("cancelled at step 12 of 50; no model was published", get(jobId).get("message").textValue());
    }

    @Test
    void pretrainsOldModelFieldStillWorksAndTheAnswerSaysToSendShape() throws Exception {
        Reply accepted = pretrain("\"model\":\"tiny\",\"maxSteps\":5");
        assertEquals(202, accepted.status(), accepted.text());
        assertTrue(accepted.body().get("warnings").get(0).textValue().contains("send 'shape' instead"),
                accepted.text());
        assertRefused(400, "model", pretrain("\"model\":\"tiny\",\"shape\":\"tiny\""));
        Reply current = pretrain("\"shape\":\"tiny\",\"maxSteps\":5");
        assertEquals(202, current.status(), current.text());
        assertTrue(current.body().path("warnings").isMissingNode(), current.text());
    }

    @Test
    void aModelIsDeletedThroughAJobAndOnlyAModelThatExistsCanBe() throws Exception {
        String modelId = "listed-" + System.nanoTime();
        announce(modelId, "another-job");
        Reply deleted = send("DELETE", "/v1/models/" + modelId);
        assertEquals(202, deleted.status(), deleted.text());
        assertEquals("delete-model", deleted.body().get("type").textValue());
        assertEquals("/v1/jobs/" + deleted.body().get("id").textValue(), deleted.location());

        assertEquals(404, send("DELETE", "/v1/models/no-such-model").status());
        Reply unknown = post("{\"type\":\"delete-model\",\"modelId\":\"no-such-model\"}");
        assertEquals(400, unknown.status(), unknown.text());
        assertEquals("modelId", unknown.body().get("field").textValue(), unknown.text());
        assertRefused(409, "modelId", pretrain("\"modelId\":\"" + modelId + "\",\"maxSteps\":5"));
    }

    @Test
    void aRunFromAPublishedModelNeedsOneTrainedWithItsTokenizerAndKeepsItsShape() throws Exception {
        String other = "other-tok-" + System.nanoTime();
        announce(other, "another-job", "moby-bpe");
        Reply unknown = pretrain("\"baseModelId\":\"no-such-model\",\"maxSteps\":5");
        assertEquals(400, unknown.status(), unknown.text());
        assertEquals("baseModelId", unknown.body().get("field").textValue(), unknown.text());
        assertRefused(400, "tokenizerId", pretrain("\"baseModelId\":\"" + other + "\",\"maxSteps\":5"));
        assertRefused(400, "shape", pretrain("\"baseModelId\":\"" + other + "\",\"shape\":\"tiny\""));
    }

    /** What a trainer does when it publishes; the gateway's registry follows llm.models. */
    private void announce(String modelId, String jobId) throws Exception {
        announce(modelId, jobId, "gpt2");
    }

    private void announce(String modelId, String jobId, String tokenizerId) throws Exception {
        KafkaProbe.send(Topics.MODELS, modelId, Json.bytes(ModelAnnouncement.base(modelId, Map.of(), tokenizerId,
                ArtifactKeys.modelDir(modelId), jobId, Map.of(), Instant.now())));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (send("GET", "/v1/models/" + modelId).status() != 200) {
            assertTrue(System.nanoTime() < deadline, "model " + modelId + " never listed");
            Thread.sleep(50);
        }
    }

    private Reply send(String method, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? null : Json.LENIENT.readTree(r.body()), r.body(),
                r.headers().firstValue("Location").orElse(null));
    }

    private JsonNode get(String jobId) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/jobs/" + jobId))
                .build(), HttpResponse.BodyHandlers.ofString());
        return Json.LENIENT.readTree(r.body());
    }

    private String awaitMessage(String jobId, String prefix) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String message = null;
        while (System.nanoTime() < deadline) {
            message = get(jobId).path("message").asText(null);
            if (message != null && message.startsWith(prefix)) {
                return message;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + jobId + " never had a message starting '" + prefix + "'; last: " + message);
    }
}
