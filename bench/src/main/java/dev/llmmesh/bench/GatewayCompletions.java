package dev.llmmesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Greedy completions through the gateway's OpenAI endpoint, timed from just before the request is sent: a whole
 * answer until its body is read, a streamed one until its first content chunk and until {@code [DONE]}.
 */
final class GatewayCompletions {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    /**
     * A non-streamed answer: wall time, the generated tokens the gateway counted, the text, the request id the
     * gateway gave it, and the wall clock (epoch ms) when it was sent and when its answer was read.
     */
    record Answer(long nanos, int completionTokens, String text, String requestId, long sentMs, long doneMs) {
    }

    /** A streamed answer: time to the first chunk carrying text, time to {@code [DONE]}, the text relayed. */
    record Streamed(long firstContentNanos, long totalNanos, String text) {
    }

    private final HttpClient http;
    private final URI completions;
    private final String model;
    private final String prompt;

    GatewayCompletions(HttpClient http, String gatewayUrl, String model, String prompt) {
        this.http = http;
        this.completions = URI.create(gatewayUrl + "/v1/completions");
        this.model = model;
        this.prompt = prompt;
    }

    Answer complete(int maxTokens) throws IOException, InterruptedException {
        try {
            return completeAsync(maxTokens).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }

    /** The same as {@link #complete}, sent without waiting: many of these in flight make concurrent clients. */
    CompletableFuture<Answer> completeAsync(int maxTokens) {
        HttpRequest request = request(maxTokens, false);
        long sentMs = System.currentTimeMillis();
        long t0 = System.nanoTime();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
            long nanos = System.nanoTime() - t0;
            long doneMs = System.currentTimeMillis();
            if (response.statusCode() != 200) {
                throw new CompletionException(new IOException("POST /v1/completions answered "
                        + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8)));
            }
            JsonNode body;
            try {
                body = Json.LENIENT.readTree(response.body());
            } catch (IOException e) {
                throw new CompletionException(e);
            }
            // OpenAI's id is the mesh request id (the key of its records on Kafka).
            String id = body.path("id").asText();
            return new Answer(nanos, body.path("usage").path("completion_tokens").asInt(-1),
                    body.path("choices").path(0).path("text").asText(), id, sentMs, doneMs);
        });
    }

    Streamed stream(int maxTokens) throws IOException, InterruptedException {
        HttpRequest request = request(maxTokens, true);
        long t0 = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                throw new IOException("streamed POST /v1/completions answered " + response.statusCode());
            }
            long first = -1;
            StringBuilder text = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring("data:".length()).strip();
                if (data.equals("[DONE]")) {
                    return new Streamed(first, System.nanoTime() - t0, text.toString());
                }
                JsonNode chunk = Json.LENIENT.readTree(data);
                if (chunk.has("error")) {
                    throw new IOException("the stream ended with an error: " + data);
                }
                String piece = chunk.path("choices").path(0).path("text").asText("");
                if (!piece.isEmpty() && first < 0) {
                    first = System.nanoTime() - t0;
                }
                text.append(piece);
            }
            throw new IOException("the stream ended without [DONE]");
        }
    }

    /** Waits until the model answers a one-token completion (the gateway lists it and a replica has loaded it). */
    void awaitServed(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                stream(1);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    private HttpRequest request(int maxTokens, boolean stream) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", prompt);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        // Greedy ignores it; given so the gateway does not draw one and every request is the same.
        body.put("seed", 1);
        if (stream) {
            body.put("stream", true);
        }
        return HttpRequest.newBuilder(completions).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build();
    }
}
