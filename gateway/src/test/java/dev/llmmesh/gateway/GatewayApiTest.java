package dev.llmmesh.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobControl;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.Progress;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's REST API on the real Kafka broker: jobs go to their topics and their state follows the events on
 * {@code llm.jobs.events}, which this test writes itself in place of the services.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayApiTest implements UsesMeshInfra {
    private final HttpClient http = HttpClient.newHttpClient();
    private Path artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        artifacts = TestGateways.artifactsDir();
        Map<String, String> props = TestGateways.properties(artifacts, false);
        props.put("llm.gateway.max-dataset-bytes", "65536");
        return props;
    }

    record Reply(int status, String contentType, JsonNode body, String text) {
    }

    private Reply call(String method, String path, String contentType, String body) throws Exception {
        return call(server.getURL().toString(), method, path, contentType, body);
    }

    private Reply call(String base, String method, String path, String contentType, String body) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(base + path));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        String ct = response.headers().firstValue("Content-Type").orElse("");
        JsonNode json = ct.contains("json") && !response.body().isEmpty() ? Json.LENIENT.readTree(response.body()) : null;
        return new Reply(response.statusCode(), ct, json, response.body());
    }

    private Reply upload(String query, String contentType, String body) throws Exception {
        return call("POST", "/v1/datasets" + query, contentType, body);
    }

    @Test
    void uploadsTextAndListsIt() throws Exception {
        Reply r = upload("?id=tiny-text&name=Tiny", "text/plain", "Call me Ishmael.\nSome years ago\n");
        assertEquals(201, r.status(), r.text());
        assertEquals("tiny-text", r.body().get("id").textValue());
        assertEquals(32, r.body().get("bytes").longValue());
        assertEquals(2, r.body().get("lines").longValue());
        assertEquals("Call me Ishmael.\nSome years ago\n",
                Files.readString(artifacts.resolve("datasets/tiny-text/data.txt")));
        assertEquals("Tiny", call("GET", "/v1/datasets/tiny-text", null, null).body().get("name").textValue());
        assertTrue(call("GET", "/v1/datasets", null, null).text().contains("\"tiny-text\""));

        Reply again = upload("?id=tiny-text", "text/plain", "x".repeat(2_000_000));
        assertEquals(409, again.status());
        assertEquals("id", again.body().get("field").textValue());
        // The refused body was never read; the same client's next request must still get its answer.
        assertEquals(200, call("GET", "/v1/datasets/tiny-text", null, null).status());
        assertEquals(404, call("GET", "/v1/datasets/nope", null, null).status());
    }

    @Test
    void jsonlDocumentsAreJoinedByTheEndOfTextToken() throws Exception {
        Reply r = upload("?id=docs", "application/jsonl", "{\"text\":\"one\"}\n\n{\"text\":\"two\"}\n");
        assertEquals(201, r.status(), r.text());
        assertEquals(2, r.body().get("rows").longValue());
        assertEquals("jsonl-text", r.body().get("format").textValue(), "application/jsonl is jsonl-text");
        assertEquals("one<|endoftext|>two", Files.readString(artifacts.resolve("datasets/docs/data.txt")));
    }

    @Test
    void refusesBadUploadsAndLeavesNothingBehind() throws Exception {
        Reply badLine = upload("?id=bad-jsonl", "application/jsonl", "{\"text\":\"ok\"}\n{\"txt\":1}\n");
        assertEquals(400, badLine.status());
        assertEquals("body", badLine.body().get("field").textValue());
        assertTrue(badLine.body().get("detail").textValue().startsWith("line 2: field 'text': "), badLine.text());
        assertFalse(Files.exists(artifacts.resolve("datasets/bad-jsonl/data.txt")));
        assertFalse(Files.exists(artifacts.resolve("datasets/bad-jsonl/rows.jsonl")));
        assertFalse(Files.exists(artifacts.resolve("datasets/bad-jsonl")), "a refused upload leaves no directory");

        Reply tooBig = upload("?id=too-big", "text/plain", "a".repeat(70_000));
        assertEquals(413, tooBig.status());
        assertTrue(tooBig.body().get("detail").textValue().contains("65536"), tooBig.text());
        assertFalse(Files.exists(artifacts.resolve("datasets/too-big")), "a refused upload leaves no directory");

        assertEquals("id", upload("?id=../etc", "text/plain", "x").body().get("field").textValue());
        assertEquals("format", upload("?id=f&format=csv", "text/plain", "x").body().get("field").textValue());
    }

    @Test
    void refusesBadJobsNamingTheField() throws Exception {
        upload("?id=jobs-ds", "text/plain", "some text to train on");
        Reply unknownType = call("POST", "/v1/jobs", "application/json", "{\"type\":\"fly\"}");
        assertEquals(400, unknownType.status());
        assertEquals("type", unknownType.body().get("field").textValue());
        assertTrue(unknownType.body().get("detail").textValue().contains("train-tokenizer, tokenize-dataset, pretrain"));

        Reply noVocab = call("POST", "/v1/jobs", "application/json", "{\"type\":\"train-tokenizer\",\"datasetId\":\"jobs-ds\"}");
        assertEquals(400, noVocab.status());
        assertEquals("vocabSize", noVocab.body().get("field").textValue(), noVocab.text());

        Reply unknownField = call("POST", "/v1/jobs", "application/json",
                "{\"type\":\"train-tokenizer\",\"datasetId\":\"jobs-ds\",\"vocabSize\":300,\"colour\":1}");
        assertEquals("colour", unknownField.body().get("field").textValue());

        Reply noDataset = call("POST", "/v1/jobs", "application/json",
                "{\"type\":\"train-tokenizer\",\"datasetId\":\"missing\",\"vocabSize\":300}");
        assertEquals(400, noDataset.status());
        assertEquals("datasetId", noDataset.body().get("field").textValue());

        Reply badHyper = call("POST", "/v1/jobs", "application/json",
                "{\"type\":\"pretrain\",\"datasetId\":\"jobs-ds\",\"tokenizerId\":\"gpt2\"}");
        assertEquals(400, badHyper.status());
        assertTrue(badHyper.body().get("detail").textValue().contains("tokenize-dataset"), badHyper.text());

        assertEquals("body", call("POST", "/v1/jobs", "application/json", "{not json").body().get("field").textValue());
    }

    @Test
    void aJobGoesToItsTopicAndItsStateFollowsTheEvents() throws Exception {
        upload("?id=life-ds", "text/plain", "text for a tokenizer");
        Reply submitted = call("POST", "/v1/jobs", "application/json",
                "{\"type\":\"train-tokenizer\",\"datasetId\":\"life-ds\",\"vocabSize\":300}");
        assertEquals(202, submitted.status(), submitted.text());
        String jobId = submitted.body().get("id").textValue();
        assertEquals("QUEUED", submitted.body().get("state").textValue());

        var records = KafkaProbe.readUntil(Topics.TOKENIZER_JOBS, Duration.ofSeconds(20),
                seen -> seen.stream().anyMatch(rec -> jobId.equals(rec.key())));
        JsonNode job = Json.LENIENT.readTree(records.stream().filter(rec -> jobId.equals(rec.key())).findFirst()
                .orElseThrow().value());
        assertEquals("train-tokenizer", job.get("type").textValue());
        assertEquals(jobId, job.get("tokenizerId").textValue(), "defaults are filled in before the job is sent");

        Progress half = new Progress(1, 2, "merges", "merging", 1.0, 1L, Map.of());
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.running(jobId, "train-tokenizer", half)));
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.succeeded(jobId, "train-tokenizer", "done",
                Map.of("tokenizerId", jobId))));
        JsonNode view = awaitState(jobId, "SUCCEEDED");
        assertEquals(3, view.get("events").intValue());
        assertEquals(jobId, view.get("result").get("tokenizerId").textValue());

        // The stream of a finished job replays its history and ends.
        HttpResponse<String> sse = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/jobs/" + jobId
                + "/events")).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, sse.statusCode());
        assertEquals(List.of("queued", "running", "succeeded"), eventNames(sse.body()));
        assertEquals(List.of("0", "1", "2"), fieldValues(sse.body(), "id:"), "every event has an id");
        // A client that reconnects with the last id it saw gets only what followed.
        HttpResponse<String> resumed = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/jobs/" + jobId
                + "/events")).header("Last-Event-ID", "0").timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(List.of("running", "succeeded"), eventNames(resumed.body()));
        assertEquals(List.of("1", "2"), fieldValues(resumed.body(), "id:"));
        HttpResponse<String> badId = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/jobs/" + jobId
                + "/events")).header("Last-Event-ID", "abc").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, badId.statusCode());
        assertEquals("Last-Event-ID", Json.LENIENT.readTree(badId.body()).get("field").textValue());

        Reply list = call("GET", "/v1/jobs?state=succeeded&type=train-tokenizer", null, null);
        assertTrue(list.text().contains(jobId));
        assertEquals(400, call("GET", "/v1/jobs?state=sleeping", null, null).status());
        Reply unknownType = call("GET", "/v1/jobs?type=bogus", null, null);
        assertEquals(400, unknownType.status(), "an unknown type is a typo, not a filter that matches nothing");
        assertEquals("type", unknownType.body().get("field").textValue());
        assertEquals("[]", call("GET", "/v1/jobs?state=failed&type=pretrain&limit=1", null, null).body().get("data")
                .toString(), "no match is an empty list, not a missing one");
        assertEquals(409, call("POST", "/v1/jobs/" + jobId + "/cancel", null, null).status(), "already ended");
        assertEquals(404, call("GET", "/v1/jobs/nope", null, null).status());
    }

    @Test
    void liveEventsStreamAsTheyHappen() throws Exception {
        String jobId = "live-" + System.nanoTime();
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.queued(jobId, "pretrain")));
        awaitState(jobId, "QUEUED");
        var stream = http.sendAsync(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/jobs/" + jobId + "/events"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        HttpResponse<java.util.stream.Stream<String>> response = stream.get(20, java.util.concurrent.TimeUnit.SECONDS);
        var lines = response.body().iterator();
        assertEquals(List.of("queued"), eventNames(nextEvent(lines)));
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.running(jobId, "pretrain",
                new Progress(5, 10, "steps", "training", 2.0, 3L, Map.of("loss", 4.2)))));
        String running = nextEvent(lines);
        assertEquals(List.of("running"), eventNames(running));
        assertTrue(running.contains("\"loss\":4.2"), running);

        // A running pretrain job can be cancelled: the command goes to the control topic.
        assertEquals(202, call("POST", "/v1/jobs/" + jobId + "/cancel", null, null).status());
        var control = KafkaProbe.readUntil(Topics.JOB_CONTROL, Duration.ofSeconds(20),
                seen -> seen.stream().anyMatch(rec -> jobId.equals(rec.key())));
        JobControl command = Json.LENIENT.readValue(control.stream().filter(rec -> jobId.equals(rec.key()))
                .findFirst().orElseThrow().value(), JobControl.class);
        assertEquals(JobControl.CANCEL, command.type());
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.cancelled(jobId, "pretrain", "cancelled")));
        assertEquals(List.of("cancelled"), eventNames(nextEvent(lines)));
    }

    @Test
    void aClientResumingAfterAFinishedJobsLastEventGetsAStreamThatEnds() throws Exception {
        String jobId = "resume-end-" + System.nanoTime();
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.queued(jobId, "pretrain")));
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.cancelled(jobId, "pretrain", "cancelled")));
        awaitState(jobId, "CANCELLED");
        // Bounded well below the 15 s heartbeat: a stream that does not end on its own fails here, not by a ping.
        HttpResponse<String> resumed = http.sendAsync(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/jobs/"
                        + jobId + "/events")).header("Last-Event-ID", "1").build(), HttpResponse.BodyHandlers.ofString())
                .get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, resumed.statusCode());
        assertEquals(List.of(), eventNames(resumed.body()), "the client has seen every event already");
    }

    @Test
    void listsPublishedModelsInOpenAiFormat() throws Exception {
        String modelId = "model-" + System.nanoTime();
        var model = ModelAnnouncement.base(modelId, Map.of("layers", 2), "gpt2", "models/" + modelId + "/", "job-1",
                Map.of("valLoss", 4.5),
                Instant.parse("2026-11-22T10:00:00Z"));
        KafkaProbe.send(Topics.MODELS, modelId, Json.bytes(model));
        JsonNode found = null;
        for (int i = 0; i < 100 && found == null; i++) {
            Reply r = call("GET", "/v1/models/" + modelId, null, null);
            found = r.status() == 200 ? r.body() : null;
            Thread.sleep(100);
        }
        assertTrue(found != null, "the model was never listed");
        assertEquals("model", found.get("object").textValue());
        assertEquals("llm-mesh", found.get("owned_by").textValue());
        assertEquals(Instant.parse("2026-11-22T10:00:00Z").getEpochSecond(), found.get("created").longValue());
        assertEquals(4.5, found.get("metrics").get("valLoss").doubleValue());
        assertEquals("base", found.get("kind").textValue());
        assertTrue(found.get("parent").isNull(), "trained from scratch: parent is null, and written");
        assertFalse(found.get("adapter").booleanValue());
        assertTrue(found.get("quantization").isNull());
        assertEquals("gpt2", found.get("tokenizer_id").textValue());
        assertEquals("job-1", found.get("job_id").textValue());
        Reply list = call("GET", "/v1/models", null, null);
        assertEquals("list", list.body().get("object").textValue());
        assertEquals(404, call("GET", "/v1/models/none", null, null).status());
    }

    @Test
    void theModelListFiltersByKindAndRefusesAnUnknownKindNamingIt() throws Exception {
        String chat = "chat-" + System.nanoTime();
        var model = ModelAnnouncement.base(chat, Map.of("layers", 2), "gpt2", "models/" + chat + "/", "job-2",
                Map.of(), Instant.now()).withKind(ModelKind.CHAT).asAdapterOf("base-x")
                .withQuantization(ModelAnnouncement.INT8).withDatasets(Map.of("train", "ds-train"));
        KafkaProbe.send(Topics.MODELS, chat, Json.bytes(model));
        for (int i = 0; i < 100 && call("GET", "/v1/models/" + chat, null, null).status() != 200; i++) {
            Thread.sleep(100);
        }
        JsonNode chats = call("GET", "/v1/models?kind=chat", null, null).body().get("data");
        JsonNode listed = null;
        for (JsonNode m : chats) {
            assertEquals("chat", m.get("kind").textValue(), m.toString());
            listed = chat.equals(m.get("id").textValue()) ? m : listed;
        }
        assertTrue(listed != null, "the chat model is listed under kind=chat: " + chats);
        assertEquals("base-x", listed.get("parent").textValue());
        assertTrue(listed.get("adapter").booleanValue());
        assertEquals("int8", listed.get("quantization").textValue());
        assertEquals("ds-train", listed.get("datasets").get("train").textValue());
        for (JsonNode m : call("GET", "/v1/models?kind=base", null, null).body().get("data")) {
            assertNotEquals(chat, m.get("id").textValue());
        }
        Reply bad = call("GET", "/v1/models?kind=embedding", null, null);
        assertEquals(400, bad.status());
        assertEquals("kind", bad.body().get("field").textValue(), bad.body().toString());
        assertTrue(bad.body().get("detail").textValue().contains("base, classifier, chat"), bad.body().toString());
    }

    @Test
    void aRestartedGatewayRebuildsJobHistoryFromTheLog() throws Exception {
        String jobId = "restart-" + System.nanoTime();
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.queued(jobId, "pretrain")));
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.failed(jobId, "pretrain", "out of patience")));
        awaitState(jobId, "FAILED");
        Map<String, Object> props = new HashMap<>(getProperties());
        props.put("micronaut.server.port", "-1");
        try (EmbeddedServer second = ApplicationContext.run(EmbeddedServer.class, props)) {
            // No polling: the fresh gateway answers only once it has replayed the log.
            Reply r = call(second.getURL().toString(), "GET", "/v1/jobs/" + jobId, null, null);
            assertEquals(200, r.status(), r.text());
            assertEquals("FAILED", r.body().get("state").textValue());
            assertEquals("out of patience", r.body().get("message").textValue());
        }
    }

    @Test
    void servesItsOpenApiDocumentAndHealth() throws Exception {
        Reply doc = call("GET", "/openapi.yml", null, null);
        assertEquals(200, doc.status());
        assertTrue(doc.text().contains("/v1/jobs"), doc.text());
        assertEquals(200, call("GET", "/health", null, null).status());
    }

    private JsonNode awaitState(String jobId, String state) throws Exception {
        Reply r = null;
        for (int i = 0; i < 200; i++) {
            r = call("GET", "/v1/jobs/" + jobId, null, null);
            if (r.status() == 200 && state.equals(r.body().get("state").textValue())) {
                return r.body();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + jobId + " never reached " + state + "; last: " + r.text());
    }

    private static String nextEvent(java.util.Iterator<String> lines) {
        StringBuilder event = new StringBuilder();
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.isEmpty()) {
                if (event.toString().contains("event:")) {
                    return event.toString();
                }
                event.setLength(0);
            } else {
                event.append(line).append('\n');
            }
        }
        throw new AssertionError("the stream ended; partial event: " + event);
    }

    private static List<String> eventNames(String sse) {
        return fieldValues(sse, "event:");
    }

    private static List<String> fieldValues(String sse, String field) {
        List<String> values = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith(field)) {
                values.add(line.substring(field.length()).trim());
            }
        }
        return values;
    }
}
