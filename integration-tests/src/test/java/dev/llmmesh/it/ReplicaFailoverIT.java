package dev.llmmesh.it;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.ServiceJvm;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway and two inference-service replicas as processes: the replica streaming an answer is killed (SIGKILL,
 * as a crash) in the middle of it, the other takes the request over, and the client's stream must be the
 * undisturbed answer to the same seeded request, byte for byte: no passage repeated, none lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaFailoverIT {
    /** GPT-2's vocabulary (random weights sample its byte tokens, which split characters); slow enough on a CPU
     * that the kill lands mid-answer. */
    private static final GptConfig MODEL = new GptConfig(50257, 1024, 128, 4, 4, 0.0, 1e-5);
    private static final int MAX_TOKENS = 1000;
    /** SSE events relayed before the kill: some chunks out, most of the answer still to come. */
    private static final int EVENTS_BEFORE_KILL = 8;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String modelId = "failover-" + run;
    private final HttpClient http = HttpClient.newHttpClient();
    private Map<String, String> env;
    private Path logs;
    private ServiceJvm gateway;
    private final Map<String, ServiceJvm> replicas = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        MeshInfra infra = MeshInfra.get();
        Path runDir = Path.of("target", "it-failover-" + run).toAbsolutePath();
        Path artifacts = Files.createDirectories(runDir.resolve("artifacts"));
        logs = runDir.resolve("logs");
        infra.createTopics(Map.of(Topics.INFERENCE_REQUESTS, Topics.PARTITIONS.get(Topics.INFERENCE_REQUESTS),
                Topics.INFERENCE_EVENTS, Topics.PARTITIONS.get(Topics.INFERENCE_EVENTS)));
        publishModel(artifacts);
        env = Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers(), "REDIS_URI", infra.redisUri(),
                "LLM_ARTIFACTS_DIR", artifacts.toString());
        Map<String, String> gatewayEnv = new HashMap<>(env);
        gatewayEnv.put("LLM_AUTH_ENABLED", "false");
        gateway = ServiceProcess.start("gateway", gatewayEnv, logs);
        for (String name : List.of("replica-a-" + run, "replica-b-" + run)) {
            Map<String, String> replicaEnv = new HashMap<>(env);
            replicaEnv.put("LLM_INFERENCE_REPLICA", name);
            replicaEnv.put("LLM_INFERENCE_MODELS", modelId);
            replicaEnv.put("LLM_INFERENCE_CONSUMER_GROUP", "inference-failover-" + run);
            replicas.put(name, ServiceProcess.start("inference-service", replicaEnv, logs, name));
        }
        gateway.awaitHealthy();
        for (ServiceJvm replica : replicas.values()) {
            replica.awaitHealthy();
            ServedModels.awaitOk(http, replica.baseUrl() + "/v1/models",
                    text -> text.contains("\"state\":\"ready\""));
        }
        ServedModels.awaitOk(http, "http://localhost:" + gateway.port() + "/v1/models/" + modelId, text -> true);
    }


    @AfterAll
    void stop() {
        try {
            replicas.values().forEach(ServiceJvm::close);
        } finally {
            if (gateway != null) {
                gateway.close();
            }
        }
    }

    @Test
    void aReplicaKilledMidStreamLeavesTheClientTheUndisturbedAnswerByteForByte() throws Exception {
        String body = Json.LENIENT.writeValueAsString(Map.of("model", modelId, "prompt", "Call me Ishmael.",
                "max_tokens", MAX_TOKENS, "temperature", 1.0, "seed", 1851, "stream", true,
                "stream_options", Map.of("include_usage", true)));
        Streamed undisturbed = stream(body, (events, requestId) -> {
        });
        assertEquals(MAX_TOKENS, undisturbed.completionTokens(), "the undisturbed answer ran to max_tokens");

        String[] killed = new String[1];
        Streamed disturbed = stream(body, (events, requestId) -> {
            if (events == EVENTS_BEFORE_KILL) {
                killed[0] = killServingReplica(requestId);
            }
        });
        assertNotNull(killed[0], "a replica was killed mid-stream");
        assertEquals(MAX_TOKENS, disturbed.completionTokens());
        assertEquals(2, disturbed.replicas().size(), "the answer came from both replicas: " + disturbed.replicas());
        assertArrayEquals(undisturbed.text().getBytes(StandardCharsets.UTF_8),
                disturbed.text().getBytes(StandardCharsets.UTF_8),
                "the failed-over text is the undisturbed text, byte for byte:\n" + undisturbed.text() + "\n---\n"
                        + disturbed.text());
    }

    private record Streamed(String requestId, String text, int completionTokens, List<String> replicas) {
    }

    /**
     * Streams a completion through the gateway; {@code afterEvent} hears the count of data events so far and the
     * mesh's request id.
     */
    private Streamed stream(String body, BiConsumer<Integer, String> afterEvent) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.port()
                        + "/v1/completions")).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<java.util.stream.Stream<String>> response = http.send(request,
                HttpResponse.BodyHandlers.ofLines());
        // Until the gateway's consumer of llm.inference.events has its partitions, it answers 503: try again.
        for (long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
             response.statusCode() == 503 && System.nanoTime() < deadline; ) {
            response.body().close();
            Thread.sleep(500);
            response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        }
        assertEquals(200, response.statusCode(), () -> "the completion was refused");
        StringBuilder text = new StringBuilder();
        String id = null;
        int completionTokens = -1;
        int events = 0;
        for (Iterator<String> lines = response.body().iterator(); lines.hasNext(); ) {
            String line = lines.next();
            if (!line.startsWith("data:")) {
                continue;
            }
            String data = line.substring("data:".length()).strip();
            if (data.equals("[DONE]")) {
                break;
            }
            JsonNode event = Json.LENIENT.readTree(data);
            assertTrue(event.has("id"), data);
            id = event.get("id").textValue();
            for (JsonNode choice : event.path("choices")) {
                text.append(choice.get("text").textValue());
            }
            if (event.hasNonNull("usage")) {
                completionTokens = event.get("usage").get("completion_tokens").intValue();
            }
            afterEvent.accept(++events, requestId(id));
        }
        assertNotNull(id, "no events");
        String requestId = requestId(id);
        List<String> from = chunks(requestId, seen -> seen.stream().anyMatch(CompletionChunk::last)).stream()
                .map(CompletionChunk::replica).distinct().toList();
        return new Streamed(requestId, text.toString(), completionTokens, from);
    }

    /** A completion's id is the mesh's request id ("cmpl-..."), which keys the request's chunks. */
    private static String requestId(String completionId) {
        return completionId;
    }

    /** SIGKILLs the replica writing the request's chunks; returns its name. */
    private String killServingReplica(String requestId) {
        List<CompletionChunk> sent = chunks(requestId, seen -> !seen.isEmpty());
        String serving = sent.getLast().replica();
        ServiceJvm replica = replicas.remove(serving);
        assertNotNull(replica, "replica " + serving + " of " + replicas.keySet());
        try {
            replica.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return serving;
    }

    /** The request's chunks on llm.inference.events, read until {@code done} holds for them. */
    private static List<CompletionChunk> chunks(String requestId, Predicate<List<CompletionChunk>> done) {
        return chunksOf(KafkaProbe.readUntil(Topics.INFERENCE_EVENTS, Duration.ofSeconds(60),
                seen -> done.test(chunksOf(seen, requestId))), requestId);
    }

    private static List<CompletionChunk> chunksOf(List<ConsumerRecord<String, byte[]>> records, String requestId) {
        return records.stream().filter(r -> requestId.equals(r.key())).map(r -> {
            try {
                return Json.LENIENT.readValue(r.value(), CompletionChunk.class);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private void publishModel(Path artifacts) throws Exception {
        try (GptModel model = GptModel.initialize(MODEL, Device.cpu(), 11)) {
            ServedModels.publish(model, MODEL, modelId, "failover-it", artifacts);
        }
    }
}
