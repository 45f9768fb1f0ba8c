package dev.llmmesh.launcher.demo;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's evaluation line, against a real HTTP server that answers as the gateway's evaluation routes do. */
class HeldOutPerplexityTest {
    private static final String NONE = "{\"object\":\"list\",\"data\":[]}";
    /** A requested eval first (no suite): only the default suite's figure is the demo's. */
    private static final String MEASURED = """
            {"object":"list","data":[
              {"evalId":"job-9","task":"perplexity","metrics":{"perplexity":3.0},"examples":1},
              {"evalId":"job-1","suite":"default","task":"perplexity","datasetId":"moby-dick",
               "metrics":{"perplexity":512.31,"loss":6.2389,"tokens":12288.0},
               "intervals":{"perplexity":{"low":498.2,"high":527.4,"level":0.95}},"examples":48,"skipped":0}]}""";

    private HttpServer server;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void theLineSaysTheFigureItsLossTokensAndIntervalAtTheirPrecision() {
        var f = new HeldOutPerplexity.Figure("job-1", 512.31, 6.2389, 12_288L, 498.2, 527.4, 0.95, 48);
        assertEquals("held-out perplexity 512.3 (loss 6.24 over 12,288 tokens, 95% CI 498-527), measured by "
                + "eval-service", HeldOutPerplexity.line(f));
        var small = new HeldOutPerplexity.Figure("job-2", 3.214, null, null, 3.1, 3.33, 0.95, 7);
        assertEquals("held-out perplexity 3.21 (7 windows, 95% CI 3.10-3.33), measured by eval-service",
                HeldOutPerplexity.line(small));
        var noInterval = new HeldOutPerplexity.Figure("job-3", 25.04, 3.22, 64L, Double.NaN, Double.NaN, 0.95, 1);
        assertEquals("held-out perplexity 25.0 (loss 3.22 over 64 tokens), measured by eval-service",
                HeldOutPerplexity.line(noInterval));
    }

    @Test
    void waitsShowingProgressUntilTheDefaultSuitesFigureIsListed() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        URI base = serve(call -> call < 2 ? NONE : MEASURED,
                "{\"object\":\"list\",\"data\":[{\"id\":\"job-1\",\"state\":\"RUNNING\",\"progress\":{\"done\":8,"
                        + "\"total\":48,\"unit\":\"windows\",\"perSecond\":4.0,\"etaSeconds\":10}}]}", calls);
        List<String> lines = HeldOutPerplexity.lines(new GatewayClient(base), "moby-gpt", Duration.ofSeconds(30),
                () -> true, out);
        assertEquals(List.of("Evaluation (GET " + base + "v1/models/moby-gpt/evals)", "  held-out perplexity 512.3 "
                + "(loss 6.24 over 12,288 tokens, 95% CI 498-527), measured by eval-service"), lines);
        assertEquals(3, calls.get(), "asked until the figure came");
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("Waiting for eval-service to measure moby-gpt"),
                printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutEvalServiceItSaysSoAtOnce() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        URI base = serve(call -> NONE, NONE, calls);
        long start = System.nanoTime();
        List<String> lines = HeldOutPerplexity.lines(new GatewayClient(base), "moby-gpt", Duration.ofMinutes(5),
                () -> false, out);
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "did not wait");
        assertTrue(lines.get(1).contains("eval-service is not running"), lines.toString());
    }

    @Test
    void aFailedEvaluationAndATimeoutAreSaidWithTheirReason() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        URI failed = serve(call -> NONE, "{\"object\":\"list\",\"data\":[{\"id\":\"job-4\",\"state\":\"FAILED\","
                + "\"message\":\"model moby-gpt was withdrawn mid-run\"}]}", calls);
        List<String> lines = HeldOutPerplexity.lines(new GatewayClient(failed), "moby-gpt", Duration.ofSeconds(30),
                () -> true, out);
        assertEquals("  no held-out perplexity: eval-service's evaluation job-4 failed: model moby-gpt was withdrawn "
                + "mid-run", lines.get(1));
        server.stop(0);

        URI silent = serve(call -> NONE, NONE, calls);
        List<String> late = HeldOutPerplexity.lines(new GatewayClient(silent), "moby-gpt", Duration.ofSeconds(2),
                () -> true, out);
        assertTrue(late.get(1).startsWith("  no held-out perplexity after 2 s: eval-service never started measuring"),
                late.toString());
    }

    /** GET /v1/models/moby-gpt/evals answers {@code modelEvals(call)}; GET /v1/evals answers {@code evals}. */
    private URI serve(IntFunction<String> modelEvals, String evals, AtomicInteger calls) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/models/moby-gpt/evals", exchange -> answer(exchange,
                modelEvals.apply(calls.getAndIncrement())));
        server.createContext("/v1/evals", exchange -> {
            assertEquals("modelId=moby-gpt&suite=default", exchange.getRequestURI().getQuery());
            answer(exchange, evals);
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream o = exchange.getResponseBody()) {
            o.write(bytes);
        }
    }
}
