package dev.llmmesh.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The error shape every service answers in, for errors Micronaut produces itself too (no route, wrong method): an
 * RFC 9457 problem body ({@code application/problem+json} with {@code status}, {@code title}, {@code detail}),
 * never Micronaut's default {@code {"message","_links","_embedded"}}.
 */
public final class HttpProblems {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpProblems() {
    }

    /**
     * Sends {@code method path} without a body and asserts that the answer is a problem of {@code status}.
     *
     * @return the problem body, for assertions of the caller's own
     */
    public static JsonNode assertProblem(URL server, String method, String path, int status) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(server + path))
                        .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        String what = method + " " + path + ": " + response.body();
        assertEquals(status, response.statusCode(), what);
        String type = response.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith("application/problem+json"), type + " for " + what);
        JsonNode problem = Json.LENIENT.readTree(response.body());
        assertEquals(status, problem.path("status").asInt(), what);
        assertTrue(!problem.path("title").asText().isBlank(), "a title: " + what);
        assertTrue(problem.path("detail").asText().length() > 10, "a detail that says what to do: " + what);
        assertTrue(!problem.has("_links") && !problem.has("message"), "not Micronaut's default body: " + what);
        return problem;
    }
}
