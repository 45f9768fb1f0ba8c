package dev.llmmesh.launcher.demo;

import com.sun.net.httpserver.HttpServer;
import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Progress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The follower against a real HTTP server that speaks the gateway's event stream. */
class JobFollowerTest {
    private static final Path LOG = Path.of("trainer-service.log");

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void followsTheStreamToTheTerminalEventFeedingTheBarOnTheWay() throws IOException {
        List<String> history = List.of(event(JobEvent.queued("job-1", "pretrain")), ": keep-alive\n\n",
                // Not job events: the gateway's pings, a server's own error report, noise.
                "event: ping\ndata: {\"type\":\"ping\"}\n\n",
                "event: error\ndata: {\"message\":\"Internal Server Error\"}\n\n", "data: not json\n\n",
                event(JobEvent.running("job-1", "pretrain", step(10, 5.0))),
                event(JobEvent.running("job-1", "pretrain", step(20, 4.0))),
                event(JobEvent.succeeded("job-1", "pretrain", "done", Map.of("steps", 20))));
        URI base = serve("job-1", connection -> history);
        LossCurve curve = new LossCurve();
        JobOutcome outcome = new JobFollower(new GatewayClient(base), Duration.ofSeconds(30))
                .follow("job-1", LOG, new JobProgressBar("train", curve::observe));
        assertTrue(outcome.succeeded());
        assertEquals(20L, outcome.resultLong("steps"));
        assertEquals(List.of(10L, 20L), outcome.progress().stream().map(Progress::done).toList());
        assertEquals(List.of(5.0, 4.0), curve.training().stream().map(LossCurve.Point::value).toList());
    }

    /**
     * A newer service may send fields this launcher's records do not know (a fine-tune's {@code progress.details}):
     * the bar's listener gets each event as sent, so a command can still read them; once per event.
     */
    @Test
    void theListenerSeesEveryRunningEventAsSent() throws IOException {
        String running = event(JobEvent.running("job-6", "finetune-classifier", step(10, 0.5)))
                .replace("\"metrics\":{", "\"details\":{\"worst\":[{\"text\":\"Subject: hi\"}]},\"metrics\":{");
        URI base = serve("job-6", connection -> List.of(event(JobEvent.queued("job-6", "finetune-classifier")), running,
                running, event(JobEvent.succeeded("job-6", "finetune-classifier", "done", Map.of()))));
        List<String> seen = new java.util.ArrayList<>();
        new JobFollower(new GatewayClient(base), Duration.ofSeconds(30)).follow("job-6", LOG,
                new JobProgressBar("fine-tune", p -> "", e -> seen.add(e.path("state").asText() + " "
                        + e.path("progress").path("details").path("worst").path(0).path("text").asText())));
        assertEquals(List.of("QUEUED ", "RUNNING Subject: hi"), seen);
    }

    /** The stream replays the history on a reconnect; what was seen before the drop is not drawn twice. */
    @Test
    void aDroppedStreamIsReopenedAndTheReplayedHistorySkipped() throws IOException {
        String queued = event(JobEvent.queued("job-2", "pretrain"));
        String first = event(JobEvent.running("job-2", "pretrain", step(10, 5.0)));
        String second = event(JobEvent.running("job-2", "pretrain", step(20, 4.0)));
        String done = event(JobEvent.failed("job-2", "pretrain", "out of memory"));
        URI base = serve("job-2", connection -> connection == 0 ? List.of(queued, first)
                : List.of(queued, first, second, done));
        JobOutcome outcome = new JobFollower(new GatewayClient(base), Duration.ofSeconds(30))
                .follow("job-2", LOG, new JobProgressBar("train"));
        assertEquals(JobState.FAILED, outcome.last().state());
        assertEquals("out of memory", outcome.message());
        assertEquals(List.of(10L, 20L), outcome.progress().stream().map(Progress::done).toList());
    }

    /** The gateway's keep-alive used to break every stream after 15 s: a long job must survive many drops. */
    @Test
    void aLongJobIsFollowedAcrossManyDrops() throws IOException {
        List<String> events = new java.util.ArrayList<>(List.of(event(JobEvent.queued("job-5", "pretrain"))));
        for (int i = 1; i <= 5; i++) {
            events.add(event(JobEvent.running("job-5", "pretrain", step(i * 10, 6.0 - i / 10.0))));
        }
        events.add(event(JobEvent.succeeded("job-5", "pretrain", "done", Map.of())));
        // Connection n shows the history up to its n-th running event, then drops.
        URI base = serve("job-5", connection -> events.subList(0, Math.min(events.size(), connection + 2)));
        JobOutcome outcome = new JobFollower(new GatewayClient(base), Duration.ofSeconds(30))
                .follow("job-5", LOG, new JobProgressBar("train"));
        assertTrue(outcome.succeeded());
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L), outcome.progress().stream().map(Progress::done).toList());
    }

    @Test
    void aStreamThatGoesQuietIsGivenUpOnAfterTheSilenceLimit() throws IOException {
        // The same history on every connection, as the gateway replays it: nothing new after the first.
        List<String> history = List.of(event(JobEvent.queued("job-3", "pretrain")));
        URI base = serve("job-3", connection -> history);
        var e = assertThrows(StackException.class, () -> new JobFollower(new GatewayClient(base), Duration.ofSeconds(30),
                Duration.ofSeconds(2)).follow("job-3", LOG, new JobProgressBar("train")));
        assertTrue(e.getMessage().startsWith("no event about job job-3 for 2 s"), e.getMessage());
    }

    @Test
    void aJobThatOverrunsItsTimeIsGivenUpOn() throws IOException {
        URI base = serve("job-6", connection -> List.of(event(JobEvent.queued("job-6", "pretrain"))));
        var e = assertThrows(StackException.class, () -> new JobFollower(new GatewayClient(base), Duration.ofSeconds(1),
                Duration.ofSeconds(30)).follow("job-6", LOG, new JobProgressBar("train")));
        assertTrue(e.getMessage().contains("did not finish within 1 s"), e.getMessage());
    }

    @Test
    void anUnknownJobIsTheGatewaysProblemDetail() throws IOException {
        URI base = serve("job-4", connection -> List.of());
        var e = assertThrows(StackException.class, () -> new JobFollower(new GatewayClient(base), Duration.ofSeconds(30))
                .follow("nope", LOG, new JobProgressBar("train")));
        assertEquals("GET /v1/jobs/nope/events answered 404: no job 'nope' (field 'id')", e.getMessage());
    }

    private interface Script {
        List<String> chunks(int connection);
    }

    /** Serves {@code /v1/jobs/{jobId}/events}: each connection writes its chunks, then the server closes it. */
    private URI serve(String jobId, Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger connections = new AtomicInteger();
        server.createContext("/v1/jobs/", exchange -> {
            try (exchange) {
                if (!exchange.getRequestURI().getPath().equals("/v1/jobs/" + jobId + "/events")) {
                    byte[] problem = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"no job 'nope'\",\"field\":\"id\"}"
                            .getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
                    exchange.sendResponseHeaders(404, problem.length);
                    exchange.getResponseBody().write(problem);
                    return;
                }
                exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream body = exchange.getResponseBody();
                for (String chunk : script.chunks(connections.getAndIncrement())) {
                    body.write(chunk.getBytes(StandardCharsets.UTF_8));
                    body.flush();
                }
            }
        });
        server.start();
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/");
    }

    private static String event(JobEvent event) {
        return "event: " + event.state().name().toLowerCase() + "\ndata: "
                + new String(Json.bytes(event), StandardCharsets.UTF_8) + "\n\n";
    }

    private static Progress step(long done, double loss) {
        return new Progress(done, 100, "steps", "training", 10, 9L, Map.of("loss", loss));
    }
}
