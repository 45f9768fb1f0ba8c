package dev.llmmesh.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.generate.StepEvent;
import dev.llmmesh.core.generate.TokenLogprob;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.mesh.Json;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Scoring throughput: prompt tokens scored per second (each window's token logprobs, as log-likelihood evaluation
 * needs them) through the mesh, against a full forward of the same checkpoint in this JVM in the same run.
 *
 * <p>The mesh path is lm-eval-harness's: {@code POST /v1/completions} on the gateway with token-id prompts,
 * {@code batch} windows per request, {@code echo}, {@code logprobs} 1, temperature 0, and {@code max_tokens} 0 (the
 * protocol eval-service sends over Kafka; the harness's {@code max_tokens} 1 needs a window one token shorter than
 * the context), so gateway -> Kafka -> inference-service (one prefill per window, the logprobs of every position)
 * -> Kafka -> gateway -> JSON. The anchor scores the same windows one forward each ([1, window], as the replica
 * prefills them), then log-softmax and the windows' own tokens' logprobs, in libtorch. Requests are sequential (the
 * harness's default, one request in flight), the paths take turns going first per request, and every mesh score is
 * checked against the anchor's. With fewer {@code --windows} than a batch, the batch is that many windows.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Tokens scored per second through gateway -> Kafka -> inference-service (echo logprobs of "
                + "token-id prompts, as lm-eval-harness sends them) vs a full forward in this JVM.")
final class ScoreBench implements Callable<Integer> {
    private static final String MODEL_ID = "score-bench";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(300);
    /** inference-service's default llm.inference.max-sequences. */
    private static final int SERVICE_SLOTS = 8;

    @Option(names = "--model", defaultValue = "gpt2",
            description = "a GptConfig name (gpt2, tiny, ...); seeded random weights (default: ${DEFAULT-VALUE})")
    String modelName;

    @Option(names = "--window", defaultValue = "1024",
            description = "tokens per scored window, at most the context (default: ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--batch", defaultValue = "1,8,16", split = ",",
            description = "windows per request (the harness's batch_size; its default is 1) (default: ${DEFAULT-VALUE})")
    int[] batches;

    @Option(names = "--windows", defaultValue = "16",
            description = "measured windows per batch size and path (default: ${DEFAULT-VALUE})")
    int windows;

    @Option(names = "--threads", defaultValue = "0",
            description = "libtorch intra-op threads here and in inference-service; 0 leaves both at libtorch's "
                    + "default, one per core (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--seed", defaultValue = "1337", description = "weights and windows (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--repo", defaultValue = ".",
            description = "repository root, where the service jars are (default: ${DEFAULT-VALUE})")
    Path repoRoot;

    /** One path's run at one batch size. */
    record Run(String path, int batch, int windows, long scoredTokens, long nanos) {
        double tokensPerSecond() {
            return scoredTokens / (nanos / 1e9);
        }
    }

    @Override
    public Integer call() throws Exception {
        GptConfig config = GptConfig.named(modelName);
        if (window < 2 || window > config.contextLength() || windows < 1 || batches.length == 0) {
            throw new IllegalArgumentException("need 2 <= --window <= " + config.contextLength() + ", --windows >= 1"
                    + " and at least one --batch");
        }
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
        Engine engine = Engine.getEngine("PyTorch");
        System.out.printf("score: model %s (vocab %d, context %d, width %d, %d layers), window %d, %d cores, load avg "
                        + "%.2f; engine %s %s, %d intra-op threads here%n", modelName, config.vocabSize(),
                config.contextLength(), config.embedDim(), config.layers(), window,
                Runtime.getRuntime().availableProcessors(), TrainBench.loadAverage(), engine.getEngineName(),
                engine.getVersion(), JniUtils.getNumThreads());
        Map<String, String> inferenceEnv = new HashMap<>();
        inferenceEnv.put("LLM_INFERENCE_INTRA_OP_THREADS", Integer.toString(threads));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        var settings = new ServingStack.Settings(MODEL_ID, config, seed, repoRoot.toAbsolutePath().normalize(),
                inferenceEnv, List.of());
        SplittableRandom random = new SplittableRandom(seed);
        try (ServingStack stack = ServingStack.start(settings, http);
             GptModel model = GptCheckpoint.load(stack.modelDir(), Device.cpu());
             // The replica's way in this JVM: a BatchDecoder sized like inference-service's engine (max-sequences
             // slots of the whole context), one echo prefill per window; tells the decoder's shape apart from the
             // transport in what the mesh adds.
             BatchDecoder decoder = new BatchDecoder(model, null, SERVICE_SLOTS, config.contextLength())) {
            String url = stack.gateway().baseUrl() + "/v1/completions";
            awaitModel(http, stack, url, config);
            // Warm both paths (JIT, libtorch's first run at this shape) before anything is timed.
            int[] warm = windowOf(random, config);
            score(http, url, List.of(warm));
            inProcess(model, warm);
            List<Run> runs = new ArrayList<>();
            serviceShaped(decoder, warm);
            double worst = 0;
            long shapedAll = 0;
            for (int batch : batches) {
                System.out.printf("%n== batch %d: %d windows of %d tokens; load avg %.2f%n", batch, windows, window,
                        TrainBench.loadAverage());
                long meshNanos = 0;
                long localNanos = 0;
                long shapedNanos = 0;
                for (int done = 0; done < windows; done += batch) {
                    List<int[]> request = new ArrayList<>();
                    for (int i = 0; i < Math.min(batch, windows - done); i++) {
                        request.add(windowOf(random, config));
                    }
                    stack.inference().checkAlive();
                    // Alternate which path goes first, so a change of load on the shared machine falls on both.
                    boolean meshFirst = (done / batch) % 2 == 0;
                    List<float[]> viaMesh = null;
                    List<float[]> local = new ArrayList<>();
                    for (int path = 0; path < 2; path++) {
                        long t0 = System.nanoTime();
                        if ((path == 0) == meshFirst) {
                            viaMesh = score(http, url, request);
                            meshNanos += System.nanoTime() - t0;
                        } else {
                            for (int[] w : request) {
                                local.add(inProcess(model, w));
                            }
                            localNanos += System.nanoTime() - t0;
                        }
                    }
                    long t0 = System.nanoTime();
                    List<float[]> shaped = new ArrayList<>();
                    for (int[] w : request) {
                        shaped.add(serviceShaped(decoder, w));
                    }
                    shapedNanos += System.nanoTime() - t0;
                    shapedAll += System.nanoTime() - t0;
                    for (int i = 0; i < request.size(); i++) {
                        worst = Math.max(worst, maxDifference(viaMesh.get(i), local.get(i)));
                        worst = Math.max(worst, maxDifference(shaped.get(i), local.get(i)));
                    }
                }
                long tokens = (long) windows * (window - 1);
                Run mesh = new Run("mesh (gateway, token-id prompts)", batch, windows, tokens, meshNanos);
                Run local = new Run("in-process forward", batch, windows, tokens, localNanos);
                runs.add(mesh);
                runs.add(local);
                Run shapedRun = new Run("in-process BatchDecoder (echo)", batch, windows, tokens, shapedNanos);
                System.out.printf(Locale.ROOT, "%-34s %10.1f tokens/s%n%-34s %10.1f tokens/s  (ratio %.3f)%n"
                                + "%-34s %10.1f tokens/s%n", mesh.path(), mesh.tokensPerSecond(), local.path(),
                        local.tokensPerSecond(), mesh.tokensPerSecond() / local.tokensPerSecond(), shapedRun.path(),
                        shapedRun.tokensPerSecond());
            }
            report(runs, worst, shapedAll);
        }
        return 0;
    }

    private void report(List<Run> runs, double worst, long shapedNanos) {
        System.out.printf("%nlargest |mesh - in-process| token logprob: %.2e%n", worst);
        StringBuilder line = new StringBuilder("bench: score");
        double meshAll = 0;
        double localAll = 0;
        for (int i = 0; i < runs.size(); i += 2) {
            Run mesh = runs.get(i);
            Run local = runs.get(i + 1);
            line.append(String.format(Locale.ROOT, " batch%d_tokens_per_s=%.1f batch%d_ratio=%.3f", mesh.batch(),
                    mesh.tokensPerSecond(), mesh.batch(), mesh.tokensPerSecond() / local.tokensPerSecond()));
            meshAll += mesh.nanos();
            localAll += local.nanos();
        }
        long tokens = runs.stream().filter(r -> r.path().startsWith("mesh")).mapToLong(Run::scoredTokens).sum();
        line.insert("bench: score".length(), String.format(Locale.ROOT, " tokens_per_s=%.1f in_process_tokens_per_s=%.1f"
                        + " batch_decoder_tokens_per_s=%.1f", tokens / (meshAll / 1e9), tokens / (localAll / 1e9),
                tokens / (shapedNanos / 1e9)));
        line.append(String.format(Locale.ROOT, " window=%d model=%s max_abs_diff=%.1e ratio=%.3f vs in-process",
                window, modelName, worst, localAll / meshAll));
        System.out.println(line);
    }

    private int[] windowOf(SplittableRandom random, GptConfig config) {
        int[] ids = new int[window];
        for (int i = 0; i < window; i++) {
            ids[i] = random.nextInt(config.vocabSize());
        }
        return ids;
    }

    /** The windows' token logprobs (position 0 has none) from one gateway request. */
    private static List<float[]> score(HttpClient http, String url, List<int[]> windows)
            throws IOException, InterruptedException {
        List<List<Integer>> prompts = windows.stream().map(w -> java.util.Arrays.stream(w).boxed().toList()).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", MODEL_ID);
        body.put("prompt", prompts);
        body.put("max_tokens", 0);
        body.put("echo", true);
        body.put("logprobs", 1);
        body.put("temperature", 0);
        body.put("seed", 1234);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the gateway answered " + response.statusCode() + ": "
                    + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        List<float[]> out = new ArrayList<>();
        for (JsonNode choice : Json.LENIENT.readTree(response.body()).get("choices")) {
            JsonNode logprobs = choice.get("logprobs").get("token_logprobs");
            float[] row = new float[logprobs.size()];
            for (int t = 1; t < row.length; t++) {
                row[t] = logprobs.get(t).floatValue();
            }
            out.add(row);
        }
        return out;
    }

    /** The window scored as inference-service scores it: an echo prefill in a {@link BatchDecoder}, max_tokens 0. */
    private static float[] serviceShaped(BatchDecoder decoder, int[] window) {
        decoder.submit(window, SamplingParams.builder().maxTokens(0).temperature(0).logprobs(1).echo(true).build(), 1L);
        List<TokenLogprob> scored = null;
        while (scored == null) {
            for (StepEvent event : decoder.step()) {
                if (event.finished()) {
                    scored = event.output().promptLogprobs();
                }
            }
        }
        float[] out = new float[window.length];
        for (int t = 1; t < window.length; t++) {
            out[t] = scored.get(t).logprob();
        }
        return out;
    }

    /** One forward of the window, log-softmax, each position's next token's logprob (position 0: none). */
    private static float[] inProcess(GptModel model, int[] window) {
        try (NDManager manager = model.manager().newSubManager()) {
            NDArray ids = manager.create(window, new Shape(1, window.length));
            NDArray logits = model.forward(ids, false).get(new NDIndex("0, :-1, :"));
            NDArray next = manager.create(java.util.Arrays.copyOfRange(window, 1, window.length))
                    .toType(ai.djl.ndarray.types.DataType.INT64, false).reshape(window.length - 1, 1);
            float[] scored = logits.logSoftmax(-1).gather(next, 1).toFloatArray();
            float[] out = new float[window.length];
            System.arraycopy(scored, 0, out, 1, scored.length);
            return out;
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalStateException("the mesh scored " + a.length + " positions, in-process " + b.length);
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    /** Waits until the gateway lists the model and a scoring request comes back (the replica loaded it). */
    private static void awaitModel(HttpClient http, ServingStack stack, String url, GptConfig config)
            throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + READY_TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            stack.gateway().checkAlive();
            stack.inference().checkAlive();
            try {
                score(http, url, List.of(new int[] {464, 2068}));
                System.out.printf("model answering after %.1f s%n", (System.nanoTime() - t0) / 1e9);
                return;
            } catch (IOException | IllegalStateException e) {
                last = e.getMessage();
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("model " + MODEL_ID + " was not served within " + READY_TIMEOUT.toSeconds()
                + " s (" + last + "); inference-service log:\n" + stack.inference().logTail());
    }
}
