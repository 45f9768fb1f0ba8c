package dev.llmmesh.launcher.recipe;

import com.sun.net.httpserver.HttpServer;
import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.demo.GatewayClient;
import dev.llmmesh.launcher.demo.JobFollower;
import dev.llmmesh.launcher.demo.JobRunner;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The base model's steps against a fake gateway (a real HTTP server answering the routes the recipe calls): a
 * listed base is reused; a pretrain job an earlier run left running is followed, not started twice.
 */
class RecipeBaseTest {
    private static final String MODEL = BaseModelSpec.DEFAULT.modelId();
    private static final String JOB = "pretrain-" + MODEL;

    @TempDir
    Path home;
    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aListedBaseIsReusedWithoutAJob() throws IOException {
        RecipeBase.Ready ready = base(gateway(true, null)).ensure(BaseModelSpec.DEFAULT, "abc123");
        assertTrue(ready.reused());
        assertTrue(ready.ok());
        assertEquals(List.of("GET /v1/models/" + MODEL), requests);
    }

    @Test
    void aPretrainLeftRunningByAnEarlierRunIsFollowed() throws IOException {
        RecipeBase.Ready ready = base(gateway(false, "RUNNING")).ensure(BaseModelSpec.DEFAULT, "abc123");
        assertFalse(ready.reused());
        assertTrue(ready.ok());
        assertTrue(requests.contains("GET /v1/jobs/" + JOB + "/events"), requests.toString());
        assertTrue(requests.stream().noneMatch(r -> r.startsWith("POST")), requests.toString());
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("Job " + JOB + " from an earlier run is still "
                + "running; following it"), printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anEndedJobsIdIsNotReused() throws IOException {
        base(gateway(false, "FAILED")).ensure(BaseModelSpec.DEFAULT, "abc123");
        assertTrue(requests.contains("POST /v1/jobs jobId=" + JOB + "-abc123"), requests.toString());
    }

    @Test
    void aFirstRunSubmitsThePretrainUnderItsOwnId() throws IOException {
        base(gateway(false, null)).ensure(BaseModelSpec.DEFAULT, "abc123");
        assertTrue(requests.contains("POST /v1/jobs jobId=" + JOB), requests.toString());
    }

    @BeforeEach
    void books() throws IOException {
        Path austen = Files.createDirectories(home.resolve("datasets").resolve("corpus").resolve("austen"));
        Files.writeString(home.resolve("datasets").resolve("corpus").resolve("moby-dick.txt"), "Call me Ishmael.");
        Files.writeString(austen.resolve("emma.txt"), "Emma Woodhouse");
    }

    private RecipeBase base(URI gateway) {
        LauncherConfig config = LauncherConfig.resolve(Optional.empty(), Map.of(), home, Path.of("java"));
        GatewayClient client = new GatewayClient(gateway);
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        return new RecipeBase(config, client, new JobRunner(client, new JobFollower(client, Duration.ofSeconds(30)), out),
                out);
    }

    /**
     * @param listed   whether the base model is listed from the start
     * @param existing the state of a job already under the pretrain's id, null for none
     */
    private URI gateway(boolean listed, String existing) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        long corpusBytes = RecipeDatasets.corpus(home.resolve("datasets")).length;
        boolean[] done = {false};
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                String method = exchange.getRequestMethod();
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String jobId = method.equals("POST") ? Json.LENIENT.readTree(body).path("jobId").asText() : "";
                requests.add(method + " " + path + (jobId.isEmpty() ? "" : " jobId=" + jobId));
                String answer;
                int status = 200;
                String type = "application/json";
                if (path.equals("/v1/models/" + MODEL)) {
                    answer = listed || done[0] ? "{\"id\":\"" + MODEL + "\"}" : null;
                } else if (path.equals("/v1/datasets/" + RecipeBase.CORPUS_ID)) {
                    answer = "{\"id\":\"" + RecipeBase.CORPUS_ID + "\",\"format\":\"jsonl-text\",\"bytes\":" + corpusBytes
                            + ",\"tokens\":{\"gpt2\":1234}}";
                } else if (path.equals("/v1/jobs/" + JOB)) {
                    answer = existing == null ? null : view(JOB, existing);
                } else if (method.equals("POST") && path.equals("/v1/jobs")) {
                    status = 202;
                    answer = view(jobId, "QUEUED");
                } else if (path.startsWith("/v1/jobs/") && path.endsWith("/events")) {
                    String id = path.substring("/v1/jobs/".length(), path.length() - "/events".length());
                    done[0] = true;
                    type = "text/event-stream";
                    answer = "data: " + new String(Json.bytes(JobEvent.succeeded(id, "pretrain", "done", Map.of())),
                            StandardCharsets.UTF_8) + "\n\n";
                } else if (path.equals("/v1/tokenizers/gpt2")) {
                    answer = "{\"vocabSize\":50257}";
                } else {
                    answer = null;
                }
                if (answer == null) {
                    status = 404;
                    answer = "{\"status\":404,\"detail\":\"not here\"}";
                }
                byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", type);
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
        server.start();
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/");
    }

    private static String view(String id, String state) {
        return "{\"id\":\"" + id + "\",\"type\":\"pretrain\",\"state\":\"" + state + "\"}";
    }
}
