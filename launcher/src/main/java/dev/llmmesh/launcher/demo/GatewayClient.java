package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.Json;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The gateway's HTTP API, the calls the demo makes. Every failure becomes a {@link StackException} that quotes
 * the gateway's problem detail, which already says what to do.
 */
public final class GatewayClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** A gateway just started may still be replaying job history (503); it asks to retry in a few seconds. */
    private static final int UNAVAILABLE_RETRIES = 10;
    private static final Duration UNAVAILABLE_PAUSE = Duration.ofSeconds(2);
    private static final Duration LISTING_POLL = Duration.ofMillis(500);

    /** A reply whose status the caller handles itself (201 or 409 for an upload). */
    public record Reply(int status, JsonNode body) {
    }

    private final HttpClient http = newClient();
    private final URI base;

    /** @param base the gateway's root, e.g. {@code http://localhost:8080/} */
    public GatewayClient(URI base) {
        this.base = base;
    }

    public URI base() {
        return base;
    }

    /**
     * Uploads a text file as a dataset; 201 (created) and 409 (the id exists) come back, anything else throws.
     * On a client of its own: a gateway that refuses an upload answers before it has read the body, and the JDK
     * client would then reuse a connection whose next request never gets an answer.
     */
    Reply uploadText(String id, String name, Path file) {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(uri("v1/datasets?id=" + encode(id) + "&name=" + encode(name)))
                    .header("Content-Type", "text/plain; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofFile(file));
        } catch (FileNotFoundException e) {
            throw new StackException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try (HttpClient once = newClient()) {
            return send(once, request, Set.of(201, 409));
        }
    }

    /**
     * Uploads rows held in memory as a dataset in {@code format} (e.g. {@code jsonl-labeled}); 201 and 409 come
     * back as for {@link #uploadText}, on a client of its own for the same reason.
     */
    public Reply upload(String id, String name, String format, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("v1/datasets?id=" + encode(id) + "&name="
                        + encode(name) + "&format=" + encode(format)))
                .header("Content-Type", "application/jsonl")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        try (HttpClient once = newClient()) {
            return send(once, request, Set.of(201, 409));
        }
    }

    public Optional<JsonNode> dataset(String id) {
        return found(send(get("v1/datasets/" + encode(id)), Set.of(200, 404)));
    }

    /** POST /v1/tokenizers: a train-tokenizer job; the job's view comes back. */
    JsonNode trainTokenizer(Map<String, Object> request) {
        return send(post("v1/tokenizers", request), Set.of(202)).body();
    }

    /** POST /v1/jobs; the job's view comes back. */
    public JsonNode submitJob(Map<String, Object> job) {
        return send(post("v1/jobs", job), Set.of(202)).body();
    }

    /** POST /v1/jobs/{id}/cancel; false when the job cannot be cancelled (409: it has ended, or its type runs to the end). */
    public boolean cancel(String id) {
        return send(HttpRequest.newBuilder(uri("v1/jobs/" + encode(id) + "/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()), Set.of(202, 409)).status() == 202;
    }

    /**
     * GET /v1/jobs/{id}/events: the job's history, then its live events, until it ends. The caller reads (and
     * closes) the lines; nothing bounds how long a line takes to come, so read them where a stall can be seen.
     */
    Stream<String> jobEvents(String id) {
        HttpRequest request = HttpRequest.newBuilder(uri("v1/jobs/" + encode(id) + "/events"))
                .header("Accept", "text/event-stream")
                .timeout(TIMEOUT)
                .GET().build();
        HttpResponse<Stream<String>> response = exchange(http, request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            String body;
            try (Stream<String> lines = response.body()) {
                body = String.join("\n", lines.toList());
            }
            throw failure(request, response.statusCode(), body.getBytes(StandardCharsets.UTF_8));
        }
        return response.body();
    }

    int[] tokenize(String tokenizer, String text) {
        JsonNode tokens = send(post("v1/tokenize", Map.of("tokenizerId", tokenizer, "text", text)), Set.of(200))
                .body().path("tokens");
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens.get(i).intValue();
        }
        return ids;
    }

    String detokenize(String tokenizer, int... tokens) {
        return send(post("v1/detokenize", Map.of("tokenizerId", tokenizer, "tokens", tokens)), Set.of(200))
                .body().path("text").asText();
    }

    public int vocabSize(String tokenizer) {
        return send(get("v1/tokenizers/" + encode(tokenizer)), Set.of(200)).body().path("vocabSize").asInt();
    }

    /** GET /v1/models/{id}; empty while the gateway has not seen the model's announcement. */
    public Optional<JsonNode> model(String id) {
        return found(send(get("v1/models/" + encode(id)), Set.of(200, 404)));
    }

    /**
     * The model once the gateway lists it, polling for up to {@code wait}: a trainer announces a model just before
     * its job's SUCCEEDED event and the gateway reads announcements from Kafka on its own, so this only covers a
     * slow broker. Empty when it never showed up.
     */
    public Optional<JsonNode> awaitModel(String id, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Optional<JsonNode> model = model(id);
            if (model.isPresent() || System.nanoTime() > deadline) {
                return model;
            }
            try {
                Thread.sleep(LISTING_POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /** GET /v1/models/{id}/evals: the model's finished evaluations, {@code {"object": "list", "data": [...]}}. */
    JsonNode modelEvals(String modelId) {
        return send(get("v1/models/" + encode(modelId) + "/evals"), Set.of(200)).body();
    }

    /** GET /v1/evals?modelId=&suite=: the model's evaluations of a suite, finished or not, newest first. */
    JsonNode evals(String modelId, String suite) {
        return send(get("v1/evals?modelId=" + encode(modelId) + "&suite=" + encode(suite)), Set.of(200)).body();
    }

    /**
     * POST /v1/completions, OpenAI's format. A model the inference replicas are still loading answers 503 for a
     * moment; that is retried like the gateway's own 503s.
     */
    JsonNode complete(String model, String prompt, int maxTokens, double temperature, long seed) {
        return send(post("v1/completions", Map.of("model", model, "prompt", prompt, "max_tokens", maxTokens,
                "temperature", temperature, "seed", seed)), Set.of(200)).body();
    }

    /** One user message, no max_tokens: the answer may run to the end of the model's context, as OpenAI's does. */
    JsonNode chat(String model, String message, double temperature, long seed) {
        return send(post("v1/chat/completions", Map.of("model", model, "messages",
                List.of(Map.of("role", "user", "content", message)), "temperature", temperature, "seed", seed)),
                Set.of(200)).body();
    }

    /**
     * POST /v1/classify: every input through a classifier model, {@code {"object": "list", "data": [{"label",
     * "probabilities", ...}]}}. A model the inference replicas are still loading answers 503, retried as above.
     */
    public JsonNode classify(String model, List<String> inputs) {
        return send(post("v1/classify", Map.of("model", model, "input", inputs)), Set.of(200)).body();
    }

    private static Optional<JsonNode> found(Reply reply) {
        return reply.status() == 200 ? Optional.of(reply.body()) : Optional.empty();
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(uri(path)).GET();
    }

    private HttpRequest.Builder post(String path, Map<String, Object> body) {
        return HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
    }

    private URI uri(String path) {
        return base.resolve(path);
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    private Reply send(HttpRequest.Builder builder, Set<Integer> expected) {
        return send(http, builder, expected);
    }

    private Reply send(HttpClient client, HttpRequest.Builder builder, Set<Integer> expected) {
        HttpRequest request = builder.header("Accept", "application/json").timeout(TIMEOUT).build();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<byte[]> response = exchange(client, request, HttpResponse.BodyHandlers.ofByteArray());
            int status = response.statusCode();
            if (expected.contains(status)) {
                return new Reply(status, parse(request, response.body()));
            }
            if (status != 503 || attempt > UNAVAILABLE_RETRIES) {
                throw failure(request, status, response.body());
            }
            pause(UNAVAILABLE_PAUSE);
        }
    }

    private <T> HttpResponse<T> exchange(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return client.send(request, handler);
        } catch (ConnectException e) {
            throw new StackException("cannot reach the gateway at " + base + " (" + request.method() + " "
                    + request.uri().getPath() + "); is the stack up? `bin/llm-mesh status` shows it", e);
        } catch (IOException e) {
            throw new StackException(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted during " + request.method() + " " + request.uri(), e);
        }
    }

    private static JsonNode parse(HttpRequest request, byte[] body) {
        if (body.length == 0) {
            return Json.LENIENT.nullNode();
        }
        try {
            return Json.LENIENT.readTree(body);
        } catch (IOException e) {
            throw new StackException(request.method() + " " + request.uri() + " answered something that is not "
                    + "JSON: " + new String(body, StandardCharsets.UTF_8), e);
        }
    }

    /** "POST /v1/jobs answered 400: <detail> (field 'maxSteps')", from the RFC 9457 body when there is one. */
    private static StackException failure(HttpRequest request, int status, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        String detail = text.isBlank() ? "(no body)" : text;
        try {
            JsonNode problem = Json.LENIENT.readTree(body);
            if (problem != null && problem.hasNonNull("detail")) {
                detail = problem.get("detail").asText()
                        + (problem.hasNonNull("field") ? " (field '" + problem.get("field").asText() + "')" : "");
            } else if (problem != null && problem.path("error").hasNonNull("message")) {
                // The OpenAI endpoints answer in OpenAI's error shape.
                detail = problem.get("error").get("message").asText();
            }
        } catch (IOException e) {
            // Not a problem body (a proxy's HTML page, say): the raw text says more than nothing.
        }
        return new StackException(request.method() + " " + request.uri().getPath() + " answered " + status
                + ": " + detail, null);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for the gateway", e);
        }
    }
}
