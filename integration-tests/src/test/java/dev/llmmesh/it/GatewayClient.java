package dev.llmmesh.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** What a user of the mesh has: the gateway's HTTP API, nothing else. */
final class GatewayClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    GatewayClient(int port) {
        this.base = "http://localhost:" + port;
    }

    String base() {
        return base;
    }

    record Reply(int status, JsonNode body, String text) {
        Reply expect(int expected) {
            if (status != expected) {
                throw new AssertionError("expected HTTP " + expected + ", got " + status + ": " + text);
            }
            return this;
        }
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Reply post(String path, String contentType, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply postJson(String path, Object body) throws IOException, InterruptedException {
        return post(path, "application/json", Json.STRICT.writeValueAsString(body));
    }

    /**
     * A {@code multipart/form-data} POST, as {@code curl -F} sends it: text fields, then one file part per entry
     * of {@code files} (its key is the part's file name).
     */
    Reply postMultipart(String path, Map<String, String> fields, Map<String, byte[]> files)
            throws IOException, InterruptedException {
        String boundary = "it-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, String> field : fields.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
                    + "\"\r\n\r\n" + field.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\""
                    + file.getKey() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.writeBytes(file.getValue());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    /** A download: the body's bytes as they came, or an AssertionError unless the status is 200. */
    byte[] download(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return response.body();
    }

    /**
     * {@code GET /v1/models/{modelId}} once it answers 200: a job's SUCCEEDED and the model's listing travel on
     * different topics, so the listing may come a moment later.
     */
    JsonNode awaitModel(String modelId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Reply reply = get("/v1/models/" + modelId);
            if (reply.status() == 200) {
                return reply.body();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("model " + modelId + " was not listed at GET /v1/models within 30 s");
    }

    /** The job's events from its SSE stream, until the stream ends with the job (or the timeout passes). */
    List<JobEvent> follow(String jobId, Duration timeout) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/jobs/" + jobId + "/events"))
                .timeout(timeout).header("Accept", "text/event-stream").GET().build();
        HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /v1/jobs/" + jobId + "/events answered " + response.statusCode());
        }
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        // The request timeout covers only the headers; a stream that never ends is cut here.
        CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
            for (Iterator<String> it = response.body().iterator(); it.hasNext(); ) {
                String line = it.next();
                // Pings ({"type":"ping"}) keep the connection open; only job events are collected.
                if (line.startsWith("data:") && line.contains("\"" + JobEvent.TYPE + "\"")) {
                    try {
                        events.add(Json.LENIENT.readValue(line.substring("data:".length()).trim(), JobEvent.class));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        });
        try {
            reading.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            response.body().close();
            throw new AssertionError("job " + jobId + " did not end within " + timeout.toSeconds() + " s; events so far: "
                    + events.size() + (events.isEmpty() ? "" : ", last " + events.getLast()));
        }
        return new ArrayList<>(events);
    }

    private Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        JsonNode json = contentType.contains("json") && !response.body().isEmpty()
                ? Json.LENIENT.readTree(response.body()) : null;
        return new Reply(response.statusCode(), json, response.body());
    }
}
