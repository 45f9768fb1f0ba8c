package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** tokenizer-service's HTTP API, the few calls the demo makes. */
final class TokenizerClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    TokenizerClient(int port) {
        this.base = URI.create("http://localhost:" + port + "/v1/");
    }

    int[] tokenize(String tokenizer, String text) {
        JsonNode tokens = post("tokenize", Map.of("tokenizer", tokenizer, "text", text)).path("tokens");
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens.get(i).intValue();
        }
        return ids;
    }

    String detokenize(String tokenizer, int... tokens) {
        return post("detokenize", Map.of("tokenizer", tokenizer, "tokens", tokens)).path("text").asText();
    }

    int vocabSize(String tokenizer) {
        return send(HttpRequest.newBuilder(base.resolve("tokenizers/" + tokenizer)).GET()).path("vocabSize").asInt();
    }

    private JsonNode post(String path, Map<String, Object> body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))));
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(TIMEOUT).build();
        try {
            HttpResponse<byte[]> response = http.send(built, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new StackException(built.method() + " " + built.uri() + " answered " + response.statusCode() + ": "
                        + new String(response.body(), StandardCharsets.UTF_8));
            }
            return Json.LENIENT.readTree(response.body());
        } catch (IOException e) {
            throw new StackException(built.method() + " " + built.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted during " + built.method() + " " + built.uri());
        }
    }
}
