package dev.llmmesh.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.mesh.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What the serving path adds to a completion: gateway -> Kafka -> inference-service -> Kafka -> gateway, against
 * the same greedy completion done by core's {@code Generator} in this JVM on the same checkpoint. The benchmark
 * starts the whole path itself (Kafka in this JVM, redis-server, both services as child JVMs from their jars) and
 * stops it at the end, also when it fails. Requests are sequential (one at a time), so the figures are latency,
 * not throughput under load; the gateway and in-process requests alternate, so load on the shared machine falls
 * on both alike.
 */
@Command(name = "serve-latency", mixinStandardHelpOptions = true,
        description = "Added latency of gateway -> Kafka -> inference-service -> Kafka -> gateway vs an in-process "
                + "Generator, per request and per token, and time to first token when streaming.")
final class ServeLatencyBench implements Callable<Integer> {
    private static final String MODEL_ID = "serve-latency-bench";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    @Option(names = "--model", defaultValue = "tiny",
            description = "tiny (context 64) or 30m (context 256); seeded random weights (default: ${DEFAULT-VALUE})")
    String modelName;

    @Option(names = "--max-tokens", defaultValue = "16,48", split = ",",
            description = "max_tokens of the measured requests; prompt + max_tokens must fit the context "
                    + "(default: ${DEFAULT-VALUE})")
    int[] maxTokens;

    @Option(names = "--requests", defaultValue = "50",
            description = "measured requests per path and max_tokens (default: ${DEFAULT-VALUE})")
    int requests;

    // 10 left the services' Kafka and HTTP paths half compiled: the hops kept shrinking for another 100-150
    // requests (request -> replica 10 -> 5-6 ms, chunk -> gateway 11 -> 7 ms).
    @Option(names = "--warmup", defaultValue = "100",
            description = "untimed requests per path and max_tokens before the measured ones, so the services' JIT "
                    + "has compiled the path (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--stream-requests", defaultValue = "50",
            description = "streamed requests for time to first token, at the first max_tokens; 0 skips "
                    + "(default: ${DEFAULT-VALUE})")
    int streamRequests;

    @Option(names = "--prompt", defaultValue = "Call me Ishmael. Some years ago, never mind how long precisely,",
            description = "the prompt of every request")
    String prompt;

    @Option(names = "--threads", defaultValue = "1",
            description = "libtorch intra-op threads in this JVM (-Dai.djl.pytorch.num_threads) and in "
                    + "inference-service (LLM_INFERENCE_INTRA_OP_THREADS, whose default is 1), so the anchor runs "
                    + "as the replica does; 0 leaves both at libtorch's default, one per core "
                    + "(default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--chunk-tokens", defaultValue = "0",
            description = "LLM_INFERENCE_CHUNK_TOKENS for inference-service; 0 keeps its default (4)")
    int chunkTokens;

    @Option(names = "--chunk-interval", defaultValue = "",
            description = "LLM_INFERENCE_CHUNK_INTERVAL for inference-service (e.g. 5ms); empty keeps its default (50ms)")
    String chunkInterval;

    @Option(names = "--settle-ms", defaultValue = "0",
            description = "pause before every timed request, so one path's leftover work (GC, libtorch's worker "
                    + "threads, the broker) does not fall on the next (default: ${DEFAULT-VALUE})")
    long settleMs;

    @Option(names = "--no-kafka-probe",
            description = "do not read llm.inference.* beside the services during the non-streamed requests (no "
                    + "breakdown by hop): the broker serves the services alone")
    boolean noKafkaProbe;

    @Option(names = "--seed", defaultValue = "1337", description = "model weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--repo", defaultValue = ".",
            description = "repository root, where gateway/target and inference-service/target hold the service jars "
                    + "(default: ${DEFAULT-VALUE})")
    Path repoRoot;

    /** One path's timings for one max_tokens: wall time and generated tokens of each request. */
    record Series(String path, double[] nanos, double[] perTokenNanos, int minTokens, int maxTokens) {
        static Series of(String path, List<Long> nanos, List<Integer> tokens) {
            double[] wall = nanos.stream().mapToDouble(Long::doubleValue).toArray();
            double[] perToken = new double[wall.length];
            for (int i = 0; i < wall.length; i++) {
                perToken[i] = wall[i] / Math.max(1, tokens.get(i));
            }
            int min = tokens.stream().mapToInt(Integer::intValue).min().orElse(0);
            int max = tokens.stream().mapToInt(Integer::intValue).max().orElse(0);
            return new Series(path, wall, perToken, min, max);
        }

        Latencies request() {
            return Latencies.ofNanos(nanos);
        }

        Latencies perToken() {
            return Latencies.ofNanos(perTokenNanos);
        }
    }

    /**
     * Medians (ms) of where a gateway request's time went, from the producers' timestamps on Kafka: HTTP sent to
     * the request record (gateway in), request record to first chunk (broker, inference-service's consumer,
     * prefill and the first chunk's tokens), first to last chunk (the rest of the decoding), last chunk to the
     * HTTP answer read (broker, the gateway's consumer, folding, HTTP out).
     */
    record Breakdown(int samples, double gatewayIn, double toFirstChunk, double firstToLastChunk, double toAnswer,
                     double chunks) {
        static Breakdown of(List<KafkaTimeline.Marks> marks, List<GatewayCompletions.Answer> answers) {
            int n = marks.size();
            double[] in = new double[n];
            double[] first = new double[n];
            double[] decode = new double[n];
            double[] out = new double[n];
            double[] chunks = new double[n];
            for (int i = 0; i < n; i++) {
                var m = marks.get(i);
                var a = answers.get(i);
                in[i] = m.requestMs() - a.sentMs();
                first[i] = m.firstChunkMs() - m.requestMs();
                decode[i] = m.lastChunkMs() - m.firstChunkMs();
                out[i] = a.doneMs() - m.lastChunkMs();
                chunks[i] = m.chunks();
            }
            return new Breakdown(n, Timing.median(in), Timing.median(first), Timing.median(decode),
                    Timing.median(out), Timing.median(chunks));
        }
    }

    /** The three series of one max_tokens, and how many gateway texts differed from the in-process ones. */
    record Measured(int maxTokens, Series gateway, Series generator, Series serviceShaped, int textMismatches,
                    Breakdown breakdown) {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ServeLatencyBench()).execute(args));
    }

    static GptConfig config(String name) {
        return switch (name) {
            case "tiny" -> GptConfig.named("tiny");
            case "30m" -> new GptConfig(50257, 256, 384, 6, 6, 0.0, 1e-5);
            default -> throw new IllegalArgumentException("unknown --model '" + name + "'; known: tiny, 30m");
        };
    }

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || warmup < 0 || maxTokens.length == 0) {
            throw new IllegalArgumentException("need --requests >= 1, --warmup >= 0 and at least one --max-tokens");
        }
        GptConfig config = config(modelName);
        if (threads > 0) {
            // Read by DJL's PyTorch engine when it starts, here and in inference-service alike.
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
        Engine engine = Engine.getEngine("PyTorch");
        int intraOp = JniUtils.getNumThreads();
        System.out.printf("serve-latency: model %s (vocab %d, context %d, width %d, %d layers), %d cores, load avg "
                        + "%.2f%n", modelName, config.vocabSize(), config.contextLength(), config.embedDim(),
                config.layers(), Runtime.getRuntime().availableProcessors(), TrainBench.loadAverage());
        System.out.printf("engine %s %s: %d intra-op threads in this JVM; inference-service %s%n",
                engine.getEngineName(), engine.getVersion(), intraOp, threads > 0
                        ? "started with LLM_INFERENCE_INTRA_OP_THREADS=" + threads
                        : "at libtorch's default (one per core, as here)");

        Map<String, String> inferenceEnv = new HashMap<>();
        inferenceEnv.put("LLM_INFERENCE_INTRA_OP_THREADS", Integer.toString(threads));
        if (chunkTokens > 0) {
            inferenceEnv.put("LLM_INFERENCE_CHUNK_TOKENS", Integer.toString(chunkTokens));
        }
        if (!chunkInterval.isBlank()) {
            inferenceEnv.put("LLM_INFERENCE_CHUNK_INTERVAL", chunkInterval);
        }
        System.out.println("inference-service chunking: chunk-tokens " + (chunkTokens > 0 ? chunkTokens : "4 (default)")
                + ", chunk-interval " + (chunkInterval.isBlank() ? "50ms (default)" : chunkInterval));

        // HTTP/1.1 keep-alive, as most OpenAI clients talk to a plain-http server; no h2c upgrade round.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        var settings = new ServingStack.Settings(MODEL_ID, config, seed, repoRoot.toAbsolutePath().normalize(),
                inferenceEnv, List.of());
        try (ServingStack stack = ServingStack.start(settings, http);
             GptModel model = GptCheckpoint.load(stack.modelDir(), Device.cpu());
             InProcessGeneration local = new InProcessGeneration(model, Gpt2Vocabulary.gpt2(), prompt,
                     8, config.contextLength())) {
            int promptTokens = local.promptTokens();
            for (int m : maxTokens) {
                if (promptTokens + m > config.contextLength()) {
                    throw new IllegalArgumentException("prompt (" + promptTokens + " tokens) + max_tokens " + m
                            + " exceed the context of " + config.contextLength() + "; use --model 30m");
                }
            }
            var gateway = new GatewayCompletions(http, stack.gateway().baseUrl(), MODEL_ID, prompt);
            awaitModel(http, stack, gateway);
            System.out.printf("prompt: %d tokens; %d warmup + %d measured requests per path and max_tokens, "
                    + "sequential, the paths alternating, %d ms pause before each%n", promptTokens, warmup, requests,
                    settleMs);

            List<Measured> results = new ArrayList<>();
            try (var timeline = noKafkaProbe ? null : new KafkaTimeline(stack.kafkaBootstrap())) {
                for (int m : maxTokens) {
                    results.add(measure(m, gateway, local, stack, timeline));
                }
            }
            StreamResult streamed = streamRequests > 0 ? measureStreaming(maxTokens[0], gateway, local, stack) : null;
            report(results, streamed, intraOp);
        }
        return 0;
    }

    /** Waits until the gateway lists the model and a completion comes back (the replica loaded it). */
    private static void awaitModel(HttpClient http, ServingStack stack, GatewayCompletions gateway)
            throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + READY_TIMEOUT.toNanos();
        HttpRequest models = HttpRequest.newBuilder(URI.create(stack.gateway().baseUrl() + "/v1/models"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        String last = "";
        while (System.nanoTime() < deadline) {
            stack.gateway().checkAlive();
            stack.inference().checkAlive();
            try {
                HttpResponse<byte[]> listed = http.send(models, HttpResponse.BodyHandlers.ofByteArray());
                JsonNode data = Json.LENIENT.readTree(listed.body()).path("data");
                boolean found = false;
                for (JsonNode entry : data) {
                    found |= MODEL_ID.equals(entry.path("id").asText());
                }
                if (found) {
                    var answer = gateway.complete(4);
                    System.out.printf("model listed and answering after %.1f s (first completion %.0f ms, %d tokens)%n",
                            (System.nanoTime() - t0) / 1e9, answer.nanos() / 1e6, answer.completionTokens());
                    return;
                }
                last = "not listed yet";
            } catch (IOException e) {
                last = e.getMessage();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("model " + MODEL_ID + " was not served within " + READY_TIMEOUT.toSeconds()
                + " s (" + last + "); inference-service log:\n" + stack.inference().logTail());
    }

    private Measured measure(int m, GatewayCompletions gateway, InProcessGeneration local, ServingStack stack,
                             KafkaTimeline timeline) throws IOException, InterruptedException {
        System.out.printf("%n== max_tokens %d; load avg %.2f%n", m, TrainBench.loadAverage());
        for (int i = 0; i < warmup; i++) {
            gateway.complete(m);
            local.generate(m);
            local.serviceShaped(m);
        }
        List<Long> gwNanos = new ArrayList<>();
        List<Integer> gwTokens = new ArrayList<>();
        List<Long> genNanos = new ArrayList<>();
        List<Integer> genTokens = new ArrayList<>();
        List<Long> shapedNanos = new ArrayList<>();
        List<Integer> shapedTokens = new ArrayList<>();
        List<KafkaTimeline.Marks> marks = new ArrayList<>();
        List<GatewayCompletions.Answer> marked = new ArrayList<>();
        int mismatches = 0;
        for (int i = 0; i < requests; i++) {
            stack.inference().checkAlive();
            // Alternate which path goes first, so neither always runs right after the other's GC or JIT work.
            GatewayCompletions.Answer viaGateway = null;
            InProcessGeneration.Answer generated = null;
            if (i % 2 == 0) {
                settle();
                viaGateway = gateway.complete(m);
                settle();
                generated = local.generate(m);
            } else {
                settle();
                generated = local.generate(m);
                settle();
                viaGateway = gateway.complete(m);
            }
            settle();
            InProcessGeneration.Answer shaped = local.serviceShaped(m);
            gwNanos.add(viaGateway.nanos());
            gwTokens.add(viaGateway.completionTokens());
            genNanos.add(generated.nanos());
            genTokens.add(generated.completionTokens());
            shapedNanos.add(shaped.nanos());
            shapedTokens.add(shaped.completionTokens());
            // Read after the answer, outside the timed part; a request whose records were not seen is left out.
            var seen = timeline == null ? java.util.Optional.<KafkaTimeline.Marks>empty()
                    : timeline.await(viaGateway.requestId(), Duration.ofSeconds(2));
            if (seen.isPresent()) {
                marks.add(seen.get());
                marked.add(viaGateway);
            }
            if (!viaGateway.text().equals(generated.text())
                    || viaGateway.completionTokens() != generated.completionTokens()) {
                mismatches++;
            }
        }
        var result = new Measured(m, Series.of("gateway", gwNanos, gwTokens),
                Series.of("in-process Generator", genNanos, genTokens),
                Series.of("in-process service-shaped", shapedNanos, shapedTokens), mismatches,
                Breakdown.of(marks, marked));
        System.out.printf("  done; load avg %.2f; completion tokens: gateway %d-%d, in-process %d-%d; texts differing "
                        + "from the in-process ones: %d of %d%n", TrainBench.loadAverage(), result.gateway().minTokens(),
                result.gateway().maxTokens(), result.generator().minTokens(), result.generator().maxTokens(),
                mismatches, requests);
        return result;
    }

    private void settle() throws InterruptedException {
        if (settleMs > 0) {
            Thread.sleep(settleMs);
        }
    }

    /** Time to the first content chunk through the gateway, and to the first token in process. */
    record StreamResult(int maxTokens, Latencies gatewayFirst, Latencies gatewayTotal, Latencies localFirst) {
    }

    private StreamResult measureStreaming(int m, GatewayCompletions gateway, InProcessGeneration local,
                                          ServingStack stack) throws IOException, InterruptedException {
        System.out.printf("%n== streamed, max_tokens %d; load avg %.2f%n", m, TrainBench.loadAverage());
        for (int i = 0; i < warmup; i++) {
            gateway.stream(m);
            local.firstToken(m);
        }
        double[] first = new double[streamRequests];
        double[] total = new double[streamRequests];
        double[] localFirst = new double[streamRequests];
        for (int i = 0; i < streamRequests; i++) {
            stack.inference().checkAlive();
            settle();
            var streamed = gateway.stream(m);
            if (streamed.firstContentNanos() < 0) {
                throw new IllegalStateException("a streamed completion carried no text");
            }
            first[i] = streamed.firstContentNanos();
            total[i] = streamed.totalNanos();
            settle();
            localFirst[i] = local.firstToken(m);
        }
        System.out.printf("  done; load avg %.2f%n", TrainBench.loadAverage());
        return new StreamResult(m, Latencies.ofNanos(first), Latencies.ofNanos(total), Latencies.ofNanos(localFirst));
    }

    private void report(List<Measured> results, StreamResult streamed, int intraOp) {
        System.out.println();
        System.out.printf("%-10s %-27s %9s %9s %9s %9s %11s %11s %7s%n", "max_tokens", "path", "p50 ms", "p99 ms",
                "min ms", "max ms", "p50 ms/tok", "p99 ms/tok", "tokens");
        for (Measured r : results) {
            for (Series s : List.of(r.gateway(), r.generator(), r.serviceShaped())) {
                Latencies q = s.request();
                Latencies t = s.perToken();
                System.out.printf("%-10d %-27s %9.2f %9.2f %9.2f %9.2f %11.3f %11.3f %7s%n", r.maxTokens(), s.path(),
                        q.p50(), q.p99(), q.min(), q.max(), t.p50(), t.p99(),
                        s.minTokens() == s.maxTokens() ? s.minTokens() : s.minTokens() + "-" + s.maxTokens());
            }
        }
        System.out.println();
        System.out.printf("%-10s %14s %14s %18s %22s %20s%n", "max_tokens", "added p50 ms", "added p99 ms",
                "added p50 ms/tok", "gateway/in-process p50", "of it decoder shape");
        for (Measured r : results) {
            double added50 = r.gateway().request().p50() - r.generator().request().p50();
            double shape50 = r.serviceShaped().request().p50() - r.generator().request().p50();
            System.out.printf("%-10d %14.2f %14.2f %18.3f %22.2f %20.2f%n", r.maxTokens(), added50,
                    r.gateway().request().p99() - r.generator().request().p99(),
                    r.gateway().perToken().p50() - r.generator().perToken().p50(),
                    r.gateway().request().p50() / r.generator().request().p50(), shape50);
        }
        System.out.println("(added = gateway minus in-process Generator, percentile by percentile; \"of it decoder "
                + "shape\" = a long-lived decoder sized like inference-service's engine (8 slots x the whole context) "
                + "minus the Generator: what the same work costs in that shape without any transport)");
        System.out.println();
        System.out.printf("%-10s %8s %12s %16s %18s %18s %8s%n", "max_tokens", "samples", "gateway in",
                "request->chunk 1", "chunk 1->last", "last->answer", "chunks");
        for (Measured r : results) {
            Breakdown b = r.breakdown();
            System.out.printf("%-10d %8d %12.1f %16.1f %18.1f %18.1f %8.0f%n", r.maxTokens(), b.samples(),
                    b.gatewayIn(), b.toFirstChunk(), b.firstToLastChunk(), b.toAnswer(), b.chunks());
        }
        System.out.println("(gateway requests only, medians in ms from the producers' timestamps on Kafka, 1 ms "
                + "resolution: HTTP sent -> request record -> first chunk -> last chunk -> HTTP answer read)");
        if (streamed != null) {
            System.out.println();
            System.out.printf("streamed, max_tokens %d: time to first content chunk through the gateway p50 %.2f ms, "
                            + "p99 %.2f ms (whole stream p50 %.2f ms); first token in process p50 %.2f ms, p99 %.2f ms;"
                            + " added p50 %.2f ms%n", streamed.maxTokens(), streamed.gatewayFirst().p50(),
                    streamed.gatewayFirst().p99(), streamed.gatewayTotal().p50(), streamed.localFirst().p50(),
                    streamed.localFirst().p99(), streamed.gatewayFirst().p50() - streamed.localFirst().p50());
        }
        Measured head = results.getFirst();
        double gw50 = head.gateway().request().p50();
        double gen50 = head.generator().request().p50();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "bench: serve-latency added_p50_ms=%.2f added_p99_ms=%.2f per_token_added_p50_ms=%.3f model=%s "
                        + "max_tokens=%d gateway_p50_ms=%.2f inprocess_p50_ms=%.2f threads=%d", gw50 - gen50,
                head.gateway().request().p99() - head.generator().request().p99(),
                head.gateway().perToken().p50() - head.generator().perToken().p50(), modelName, head.maxTokens(),
                gw50, gen50, intraOp));
        if (streamed != null) {
            line.append(String.format(Locale.ROOT, " ttft_p50_ms=%.2f ttft_added_p50_ms=%.2f",
                    streamed.gatewayFirst().p50(), streamed.gatewayFirst().p50() - streamed.localFirst().p50()));
        }
        line.append(String.format(Locale.ROOT, " load_avg=%.2f ratio=%.3f vs in-process-generator",
                TrainBench.loadAverage(), gw50 / gen50));
        System.out.println(line);
    }
}
