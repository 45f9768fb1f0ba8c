package dev.llmmesh.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.TokenInfo;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAI wire format at the gateway, on the real broker. This test stands in for inference-service: it reads
 * {@code llm.inference.requests} and answers on {@code llm.inference.events} with chunks it makes up, including a
 * replica take-over (the same tokens again from sequence 0) and error chunks.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiApiTest implements UsesMeshInfra {
    private static final String MODEL = "fake-model";
    private static final String SILENT_MODEL = "silent-model";
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<CompletionRequest> received = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private Thread responder;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", System.getProperty("java.io.tmpdir") + "/openai-test-" + UUID.randomUUID());
        props.put("llm.auth.enabled", "false");
        props.put("llm.gateway.inference.first-chunk-timeout", "3s");
        return props;
    }

    @BeforeAll
    void startFakeInference() throws Exception {
        for (String model : List.of(MODEL, SILENT_MODEL)) {
            KafkaProbe.send(Topics.MODELS, model, Json.bytes(ModelAnnouncement.base(model, Map.of(), "gpt2",
                    "models/" + model + "/", "job",
                    Map.of(), Instant.now())));
        }
        responder = new Thread(this::answer, "fake-inference");
        responder.start();
        for (int i = 0; i < 100 && call("/v1/models/" + MODEL, null).status() != 200; i++) {
            Thread.sleep(100);
        }
    }

    @AfterAll
    void stop() throws InterruptedException {
        running = false;
        responder.join(5000);
    }

    /** "Hello" + " world" per choice; prompts starting with "overflow" get the error a replica sends. */
    private void answer() {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, MeshInfra.get().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "fake-inference-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.INFERENCE_REQUESTS));
            while (running) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    InferenceCommand command = Json.STRICT.readValue(record.value(), InferenceCommand.class);
                    // Only this test's model: the topic also holds other tests' requests (it is read from the
                    // earliest offset), and answering those first could keep this test's own waiting.
                    if (command instanceof CompletionRequest request && request.modelId().equals(MODEL)) {
                        received.add(request);
                        reply(request);
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void reply(CompletionRequest request) throws Exception {
        String id = request.requestId();
        if (request.prompt().startsWith("overflow")) {
            emit(new CompletionChunk(CompletionChunk.TYPE, 1, id, 0, 0, 0, 0, "a", null, null, null, null, null,
                    new CompletionChunk.InferenceError(400, "context_length_exceeded", "max_tokens",
                            "prompt (300 tokens) + max_tokens (100) exceeds the model's context of 256")));
            return;
        }
        if (request.prompt().contains("still-loading")) {
            emit(new CompletionChunk(CompletionChunk.TYPE, 1, id, 0, 0, 0, 0, "a", null, null, null, null, null,
                    new CompletionChunk.InferenceError(503, CompletionChunk.InferenceError.MODEL_LOADING, "model",
                            "The model 'fake-model' is not loaded yet (its loading has started); retry in 7 s", 7)));
            return;
        }
        if (request.prompt().startsWith("toolong")) {
            emit(new CompletionChunk(CompletionChunk.TYPE, 1, id, 0, 0, 0, 0, "a", null, null, null, null, null,
                    new CompletionChunk.InferenceError(400, "context_length_exceeded", "prompt",
                            "The prompt is 70 tokens, but this model holds at most 64 (its context).")));
            return;
        }
        List<TokenInfo> echo = request.sampling().echo() ? List.of(new TokenInfo(1, "Call", null, null),
                new TokenInfo(2, " me", -2.5f, List.of(new CompletionChunk.Alternative(2, " me", -2.5f)))) : null;
        TokenInfo hello = new TokenInfo(3, "Hello", -0.5f, List.of(new CompletionChunk.Alternative(3, "Hello", -0.5f),
                new CompletionChunk.Alternative(4, "Hi", -1.5f)));
        TokenInfo world = new TokenInfo(5, " world", -0.25f, List.of(new CompletionChunk.Alternative(5, " world", -0.25f)));
        for (int i = 0; i < request.sampling().n(); i++) {
            if (request.prompt().startsWith("takeover")) {
                // Replica "a" dies after its first chunk; "b" starts again from seq 0 with the same tokens.
                emit(chunk(id, i, 0, "a", echo, hello, null, null));
            }
            emit(chunk(id, i, 0, "b", echo, hello, null, null));
            emit(chunk(id, i, 1, "b", null, world, "length",
                    i == request.sampling().n() - 1 ? new CompletionChunk.Usage(2, 2 * request.sampling().n(), 1)
                            : null));
        }
    }

    private static CompletionChunk chunk(String id, int index, long seq, String replica, List<TokenInfo> echo,
                                         TokenInfo token, String finish, CompletionChunk.Usage usage) {
        // One token per chunk: chunk seq starts at token seq, after the text of the tokens before ("Hello").
        return new CompletionChunk(CompletionChunk.TYPE, 1, id, index, seq, (int) seq, seq == 0 ? 0 : "Hello".length(),
                replica, echo, List.of(token), token.text(), finish, usage, null);
    }

    private static void emit(CompletionChunk chunk) throws Exception {
        KafkaProbe.send(Topics.INFERENCE_EVENTS, chunk.requestId(), Json.bytes(chunk));
    }

    record Reply(int status, JsonNode body, String text, String retryAfter) {
    }

    private Reply call(String path, String json) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(30));
        if (json != null) {
            builder.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        String ct = response.headers().firstValue("Content-Type").orElse("");
        return new Reply(response.statusCode(), ct.contains("json") ? Json.LENIENT.readTree(response.body()) : null,
                response.body(), response.headers().firstValue("Retry-After").orElse(null));
    }

    private static List<String> dataLines(String sse) {
        List<String> data = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data:")) {
                data.add(line.substring(5).trim());
            }
        }
        return data;
    }

    @Test
    void completesInOpenAiFormatWithLogprobsAndEcho() throws Exception {
        Reply r = call("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"Call me\",\"max_tokens\":2,"
                + "\"logprobs\":2,\"echo\":true,\"n\":2,\"seed\":7,\"stop\":\"\\n\",\"user\":\"u1\"}");
        assertEquals(200, r.status(), r.text());
        JsonNode body = r.body();
        assertEquals("text_completion", body.get("object").textValue());
        assertTrue(body.get("id").textValue().startsWith("cmpl-") && !body.get("id").textValue().startsWith("cmpl-cmpl-"),
                body.get("id").textValue());
        assertEquals(MODEL, body.get("model").textValue());
        assertEquals(2, body.get("choices").size());
        JsonNode choice = body.get("choices").get(1);
        assertEquals(1, choice.get("index").intValue());
        assertEquals("Call meHello world", choice.get("text").textValue());
        assertEquals("length", choice.get("finish_reason").textValue());
        JsonNode logprobs = choice.get("logprobs");
        assertEquals("[\"Call\",\" me\",\"Hello\",\" world\"]", logprobs.get("tokens").toString());
        assertTrue(logprobs.get("token_logprobs").get(0).isNull(), "the first prompt token has no logprob");
        assertEquals(-0.5, logprobs.get("token_logprobs").get(2).doubleValue(), 1e-6);
        assertEquals(-1.5, logprobs.get("top_logprobs").get(2).get("Hi").doubleValue(), 1e-6);
        assertEquals("[0,4,7,12]", logprobs.get("text_offset").toString());
        assertEquals(6, body.get("usage").get("total_tokens").intValue());
        assertEquals(1, body.get("usage").get("prompt_tokens_details").get("cached_tokens").intValue());

        CompletionRequest sent = received.stream().filter(q -> q.user() != null && q.user().equals("u1")).findFirst()
                .orElseThrow();
        assertEquals(7L, sent.sampling().seed());
        assertEquals(List.of("\n"), sent.sampling().stop());
        assertEquals(2, sent.maxTokens());
        assertEquals(2, sent.sampling().logprobs());
        assertEquals(Boolean.FALSE, sent.stream(), "nobody streams it: the replica may answer in one chunk per choice");
    }

    @Test
    void streamsCompletionChunksEndingWithDone() throws Exception {
        Reply r = call("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"takeover\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, r.status(), r.text());
        List<String> data = dataLines(r.text());
        assertEquals("[DONE]", data.getLast());
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode chunk = Json.LENIENT.readTree(d);
            assertEquals("text_completion", chunk.get("object").textValue());
            chunk.get("choices").forEach(c -> text.append(c.get("text").textValue()));
            usage = chunk.has("usage") ? chunk.get("usage") : usage;
        }
        assertEquals("Hello world", text.toString(), "the take-over's repeated chunk is relayed once");
        assertEquals(4, usage.get("total_tokens").intValue());
    }

    @Test
    void chatCompletesWithAnAlpacaPromptWholeAndStreamed() throws Exception {
        String messages = "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]";
        Reply whole = call("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":" + messages
                + ",\"logprobs\":true,\"top_logprobs\":1,\"user\":\"chat-1\"}");
        assertEquals(200, whole.status(), whole.text());
        assertEquals("chat.completion", whole.body().get("object").textValue());
        String id = whole.body().get("id").textValue();
        assertTrue(id.startsWith("chatcmpl-") && !id.startsWith("chatcmpl-cmpl-"), "one prefix: " + id);
        JsonNode choice = whole.body().get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").textValue());
        assertEquals("Hello world", choice.get("message").get("content").textValue());
        assertEquals("Hello", choice.get("logprobs").get("content").get(0).get("token").textValue());
        CompletionRequest sent = received.stream().filter(q -> "chat-1".equals(q.user())).findFirst().orElseThrow();
        assertEquals("Be brief.\n\n### Instruction:\nHi\n\n### Response:\n", sent.prompt());
        assertNull(sent.maxTokens(), "chat without max_tokens runs to the context");
        assertTrue(sent.sampling().stop().contains("\n### "));

        Reply streamed = call("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":" + messages
                + ",\"stream\":true}");
        List<String> data = dataLines(streamed.text());
        assertEquals("[DONE]", data.getLast());
        JsonNode first = Json.LENIENT.readTree(data.getFirst());
        assertEquals("chat.completion.chunk", first.get("object").textValue());
        assertEquals("assistant", first.get("choices").get(0).get("delta").get("role").textValue());
        assertEquals("length", Json.LENIENT.readTree(data.get(data.size() - 2))
                .get("choices").get(0).get("finish_reason").textValue());
    }

    @Test
    void aModelStillLoadingIsA503WithRetryAfterOnBothEndpointsWholeAndStreamed() throws Exception {
        String chat = "\"messages\":[{\"role\":\"user\",\"content\":\"still-loading\"}]";
        for (String stream : List.of("false", "true")) {
            for (Reply r : List.of(
                    call("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"still-loading\",\"stream\":"
                            + stream + "}"),
                    call("/v1/chat/completions", "{\"model\":\"" + MODEL + "\"," + chat + ",\"stream\":" + stream
                            + "}"))) {
                assertEquals(503, r.status(), r.text());
                assertEquals("7", r.retryAfter(), "Retry-After of " + r.text());
                assertEquals("model_loading", r.body().get("error").get("code").textValue(), r.text());
                assertEquals("model", r.body().get("error").get("param").textValue(), r.text());
                assertTrue(r.body().get("error").get("message").textValue().contains("retry"), r.text());
            }
        }
    }

    @Test
    void errorsComeInOpenAiShape() throws Exception {
        Reply unknown = call("/v1/completions", "{\"model\":\"nope\",\"prompt\":\"x\"}");
        assertEquals(404, unknown.status());
        assertEquals("model_not_found", unknown.body().get("error").get("code").textValue());
        assertEquals("model", unknown.body().get("error").get("param").textValue());

        Reply badTemperature = call("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"x\",\"temperature\":5}");
        assertEquals(400, badTemperature.status());
        assertEquals("temperature", badTemperature.body().get("error").get("param").textValue());
        assertEquals("invalid_request_error", badTemperature.body().get("error").get("type").textValue());

        Reply unknownArgument = call("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"x\",\"colour\":1}");
        assertEquals("colour", unknownArgument.body().get("error").get("param").textValue());

        Reply overflow = call("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"overflow\",\"max_tokens\":100}");
        assertEquals(400, overflow.status(), overflow.text());
        assertEquals("context_length_exceeded", overflow.body().get("error").get("code").textValue());
        assertTrue(overflow.body().get("error").get("message").textValue().contains("256"));

        // A completion's prompt is the client's own text; a chat's prompt is its messages inside the template.
        Reply longPrompt = call("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"toolong\"}");
        assertEquals(400, longPrompt.status(), longPrompt.text());
        assertEquals("prompt", longPrompt.body().get("error").get("param").textValue());
        Reply longChat = call("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":"
                + "\"system\",\"content\":\"toolong\"},{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, longChat.status(), longChat.text());
        JsonNode chatError = longChat.body().get("error");
        assertEquals("messages", chatError.get("param").textValue());
        assertEquals("context_length_exceeded", chatError.get("code").textValue());
        assertTrue(chatError.get("message").textValue().contains("chat template")
                && chatError.get("message").textValue().contains("at most 64"), chatError.toString());

        Reply badRole = call("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"robot\","
                + "\"content\":\"x\"}]}");
        assertEquals("messages[0].role", badRole.body().get("error").get("param").textValue());
    }

    @Test
    void noReplicaMeansAClearTimeoutNotAHang() throws Exception {
        long start = System.nanoTime();
        Reply r = call("/v1/completions", "{\"model\":\"" + SILENT_MODEL + "\",\"prompt\":\"x\"}");
        assertEquals(504, r.status(), r.text());
        assertEquals("timeout", r.body().get("error").get("code").textValue());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
    }
}
