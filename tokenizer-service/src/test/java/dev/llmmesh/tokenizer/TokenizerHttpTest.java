package dev.llmmesh.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenizerHttpTest implements UsesMeshInfra {
    private final HttpClient http = HttpClient.newHttpClient();

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = TokenizerTests.properties();
        props.put("micronaut.server.max-request-size", "65536");
        return props;
    }

    record Reply(int status, String contentType, JsonNode body) {
    }

    Reply call(String method, String path, String body) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(server.getURL() + path)).header("Content-Type", "application/json");
        builder = body == null ? builder.method(method, HttpRequest.BodyPublishers.noBody())
                : builder.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? null : Json.LENIENT.readTree(response.body());
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), json);
    }

    @Test
    void tokenizesAndDetokenizesWithGpt2() throws Exception {
        Reply r = call("POST", "/v1/tokenize", "{\"tokenizerId\":\"gpt2\",\"text\":\"Hello world\"}");
        assertEquals(200, r.status());
        assertEquals("[15496,995]", r.body().get("tokens").toString());
        assertEquals(2, r.body().get("count").asInt());

        Reply d = call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":[15496,995]}");
        assertEquals(200, d.status());
        assertEquals("Hello world", d.body().get("text").asText());
    }

    @Test
    void theOldNameTokenizerStillWorksForOneReleaseAndTheAnswerSaysSo() throws Exception {
        Reply old = call("POST", "/v1/tokenize", "{\"tokenizer\":\"gpt2\",\"text\":\"Hello world\"}");
        assertEquals(200, old.status());
        assertEquals("gpt2", old.body().get("tokenizerId").asText());
        assertTrue(old.body().get("warnings").get(0).asText().contains("send 'tokenizerId' instead"), old.body().toString());
        Reply current = call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":[15496,995]}");
        assertEquals("gpt2", current.body().get("tokenizerId").asText());
        assertTrue(current.body().path("warnings").isMissingNode(), current.body().toString());
        assertProblem(call("POST", "/v1/tokenize", "{\"tokenizer\":\"gpt2\",\"tokenizerId\":\"gpt2\",\"text\":\"x\"}"),
                400, "tokenizer");
        assertProblem(call("POST", "/v1/tokenize", "{\"tokenizer\":\"nope\",\"text\":\"x\"}"), 404, "tokenizer");
    }

    @Test
    void unicodeRoundTripsThroughTheApi() throws Exception {
        String text = "日本語 🎉 e\u0301 \t\n  x";
        Reply r = call("POST", "/v1/tokenize", Json.LENIENT.writeValueAsString(Map.of("tokenizerId", "gpt2", "text", text)));
        Reply d = call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":" + r.body().get("tokens") + "}");
        assertEquals(text, d.body().get("text").asText());
    }

    @Test
    void specialTokenTextNeedsToBeAllowed() throws Exception {
        Reply refused = call("POST", "/v1/tokenize", "{\"tokenizerId\":\"gpt2\",\"text\":\"a<|endoftext|>b\"}");
        assertProblem(refused, 400, "text");
        assertTrue(refused.body().get("detail").asText().contains("allowedSpecial"), refused.body().toString());
        Reply allowed = call("POST", "/v1/tokenize",
                "{\"tokenizerId\":\"gpt2\",\"text\":\"a<|endoftext|>b\",\"allowedSpecial\":\"all\"}");
        assertEquals("[64,50256,65]", allowed.body().get("tokens").toString());
        Reply named = call("POST", "/v1/tokenize",
                "{\"tokenizerId\":\"gpt2\",\"text\":\"a<|endoftext|>b\",\"allowedSpecial\":[\"<|endoftext|>\"]}");
        assertEquals("[64,50256,65]", named.body().get("tokens").toString());
        assertProblem(call("POST", "/v1/tokenize", "{\"tokenizerId\":\"gpt2\",\"text\":\"a\",\"allowedSpecial\":[\"<|x|>\"]}"),
                400, "allowedSpecial[0]");
    }

    @Test
    void badInputGetsAProblemNamingTheField() throws Exception {
        assertProblem(call("POST", "/v1/tokenize", "{\"tokenizerId\":\"nope\",\"text\":\"x\"}"), 404, "tokenizerId");
        assertProblem(call("POST", "/v1/tokenize", "{\"tokenizerId\":\"gpt2\"}"), 400, "text");
        assertProblem(call("POST", "/v1/tokenize", "{\"text\":\"x\"}"), 400, "tokenizerId");
        assertProblem(call("POST", "/v1/tokenize", "{\"tokenizerId\":\"gpt2\",\"text\":5}"), 400, "text");
        assertProblem(call("POST", "/v1/tokenize", "{\"tokenizerId\":"), 400, "body");
        assertProblem(call("POST", "/v1/tokenize", "[1,2]"), 400, "body");
        assertProblem(call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":[1,\"a\"]}"), 400, "tokens[1]");
        assertProblem(call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":[1,2.5]}"), 400, "tokens[1]");
        assertProblem(call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":[1,99999999999]}"), 400, "tokens[1]");
        Reply range = call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":[1,2,50257]}");
        assertProblem(range, 400, "tokens[2]");
        assertTrue(range.body().get("detail").asText().contains("0 to 50256"), range.body().toString());
        assertProblem(call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":\"1 2\"}"), 400, "tokens");
        assertProblem(call("GET", "/v1/tokenizers/does-not-exist", null), 404, "id");
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        String text = "x".repeat(70_000);
        assertProblem(call("POST", "/v1/tokenize", "{\"tokenizerId\":\"gpt2\",\"text\":\"" + text + "\"}"), 413, "body");
    }

    @Test
    void listsTokenizersAndReportsHealth() throws Exception {
        Reply list = call("GET", "/v1/tokenizers", null);
        assertEquals(200, list.status());
        assertEquals("list", list.body().get("object").asText(), list.body().toString());
        JsonNode gpt2 = list.body().get("data").get(0);
        assertEquals("gpt2", gpt2.get("id").asText());
        assertEquals(50257, gpt2.get("vocabSize").asInt());
        assertEquals(50256, gpt2.get("specialTokens").get("<|endoftext|>").asInt());
        Reply health = call("GET", "/health", null);
        assertEquals(200, health.status(), String.valueOf(health.body()));
        assertEquals("UP", health.body().get("status").asText());
    }

    @Test
    void emptyTextAndEmptyTokensAnswerEmptyValuesNotMissingOnes() throws Exception {
        Reply none = call("POST", "/v1/tokenize", "{\"tokenizerId\":\"gpt2\",\"text\":\"\"}");
        assertEquals(200, none.status(), String.valueOf(none.body()));
        assertEquals("[]", String.valueOf(none.body().get("tokens")));
        assertEquals(0, none.body().get("count").asInt());
        Reply empty = call("POST", "/v1/detokenize", "{\"tokenizerId\":\"gpt2\",\"tokens\":[]}");
        assertEquals(200, empty.status(), String.valueOf(empty.body()));
        assertEquals("\"\"", String.valueOf(empty.body().get("text")));
    }

    @Test
    void errorsMicronautProducesItselfAreProblemsToo() throws Exception {
        assertProblem(call("POST", "/v1/tokenize", null), 400, "body");
        Reply unknown = call("GET", "/v1/nothing-here", null);
        assertEquals(404, unknown.status());
        assertTrue(unknown.contentType().startsWith("application/problem+json"), unknown.contentType());
        assertEquals(404, unknown.body().get("status").asInt());
        assertProblem(call("DELETE", "/v1/tokenize", null), 405, "method");
        var plain = HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/tokenize")).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build();
        HttpResponse<String> wrongType = http.send(plain, HttpResponse.BodyHandlers.ofString());
        assertProblem(new Reply(wrongType.statusCode(), wrongType.headers().firstValue("Content-Type").orElse(""),
                Json.LENIENT.readTree(wrongType.body())), 415, "Content-Type");
        assertProblem(call("GET", "/v1/tokenizers/" + "x".repeat(5000), null), 414, "uri");
    }

    static void assertProblem(Reply reply, int status, String field) {
        assertEquals(status, reply.status(), String.valueOf(reply.body()));
        assertTrue(reply.contentType().startsWith("application/problem+json"), reply.contentType());
        assertEquals(status, reply.body().get("status").asInt());
        assertEquals(field, reply.body().path("field").asText(), reply.body().toString());
        assertTrue(reply.body().get("detail").asText().length() > 10, reply.body().toString());
    }
}
