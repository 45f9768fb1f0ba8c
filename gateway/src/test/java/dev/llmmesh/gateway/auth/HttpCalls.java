package dev.llmmesh.gateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.gateway.TestGateways;
import dev.llmmesh.mesh.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plain JDK HTTP calls, so the tests see exactly the status, headers and body a client would. */
final class HttpCalls {
    record Reply(int status, HttpHeaders headers, JsonNode body) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final URL base;

    HttpCalls(URL base) {
        this.base = base;
    }

    Reply call(String method, String path, String bearer) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json");
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        builder.method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}"));
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? null : Json.LENIENT.readTree(response.body());
        return new Reply(response.statusCode(), response.headers(), json);
    }

    /** The mesh's test infrastructure, a fresh artifacts folder and {@link ProbeController} on: each auth HTTP test's base. */
    static Map<String, String> probeServerProperties() {
        Map<String, String> props = TestGateways.properties(TestGateways.artifactsDir(), true);
        props.put(ProbeController.ENABLED, "true");
        return props;
    }

    static void assertProblem(Reply reply, int status, String detailPart) {
        assertEquals(status, reply.status(), String.valueOf(reply.body()));
        assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), reply.header("Content-Type"));
        assertEquals(status, reply.body().get("status").asInt());
        assertTrue(reply.body().get("detail").asText().contains(detailPart), reply.body().toString());
    }
}
