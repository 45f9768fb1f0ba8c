package dev.llmmesh.bench;

import ai.djl.Device;
import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.generate.StepEvent;
import dev.llmmesh.core.generate.TokenText;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Many clients at once: {@code --requests} greedy completions of distinct prompts sent together through the gateway
 * (gateway -> Kafka -> inference-service -> Kafka -> gateway), against the same completions submitted together to a
 * {@link BatchDecoder} in this JVM shaped like the replica's engine ({@code max-sequences} slots of the whole
 * context, the rest queued). Both paths decode the same prompts with the same checkpoint, so the texts must match;
 * the ratio is the mesh's throughput over the in-process one. Rounds alternate the two paths, so load on the shared
 * machine falls on both alike; each path runs while the other is idle.
 */
@Command(name = "serve-load", mixinStandardHelpOptions = true,
        description = "Concurrent completions through the mesh vs the same completions batched in process.")
final class ServeLoadBench implements Callable<Integer> {
    private static final String MODEL_ID = "serve-load-bench";
    /** inference-service's default llm.inference.max-sequences: the in-process decoder takes as many at once. */
    private static final int ENGINE_SLOTS = 8;

    @Option(names = "--requests", defaultValue = "200", description = "concurrent completions (default: ${DEFAULT-VALUE})")
    int requests;

    @Option(names = "--max-tokens", defaultValue = "16", description = "max_tokens of each (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--prompt-tokens", defaultValue = "12",
            description = "tokens of each prompt, distinct passages of Moby-Dick (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--rounds", defaultValue = "3",
            description = "rounds of both paths, alternating; the median round counts (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--request-timeout", defaultValue = "120",
            description = "seconds: a gateway answer later than this counts as not answered (default: ${DEFAULT-VALUE})")
    long requestTimeoutSeconds;

    @Option(names = "--seed", defaultValue = "1337", description = "model weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--corpus", defaultValue = "datasets/corpus/moby-dick.txt", description = "where prompts come from")
    Path corpus;

    @Option(names = "--repo", defaultValue = ".", description = "repository root, where the service jars are")
    Path repoRoot;

    /** One path's round: each request's latency from the common start, and what it generated. */
    record Round(String path, double[] latencyNanos, long wallNanos, int answered, int completionTokens,
                 List<String> texts, List<String> errors) {
        double tokensPerSecond() {
            return completionTokens / (wallNanos / 1e9);
        }

        Latencies latencies() {
            return Latencies.ofNanos(latencyNanos.length == 0 ? new double[] {Double.NaN} : latencyNanos);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ServeLoadBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || maxTokens < 1 || rounds < 1) {
            throw new IllegalArgumentException("need --requests, --max-tokens and --rounds >= 1");
        }
        GptConfig config = GptConfig.named("tiny");
        if (promptTokens + maxTokens > config.contextLength()) {
            throw new IllegalArgumentException("--prompt-tokens + --max-tokens exceed the tiny model's context of "
                    + config.contextLength());
        }
        // One libtorch thread here, as inference-service runs (its llm.inference.intra-op-threads default).
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        BpeTokenizer gpt2 = Gpt2Vocabulary.gpt2();
        List<String> prompts = excerpts(gpt2, Files.readString(corpus));
        System.out.printf("serve-load: %d concurrent completions of %d tokens, prompts of %d tokens, model tiny "
                        + "(context %d), %d cores, load avg %.2f%n", requests, maxTokens, promptTokens,
                config.contextLength(), Runtime.getRuntime().availableProcessors(), TrainBench.loadAverage());

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).connectTimeout(Duration.ofSeconds(10)).build();
        var settings = new ServingStack.Settings(MODEL_ID, config, seed, repoRoot.toAbsolutePath().normalize(),
                Map.of(), List.of());
        try (ServingStack stack = ServingStack.start(settings, http);
             GptModel model = GptCheckpoint.load(stack.modelDir(), Device.cpu())) {
            String url = stack.gateway().baseUrl();
            new GatewayCompletions(http, url, MODEL_ID, "warm-up").awaitServed(Duration.ofMinutes(3));
            // One untimed round of each, so both paths run compiled code and the services' Kafka clients are warm.
            mesh(http, url, prompts);
            inProcess(model, gpt2, prompts);
            List<Round> meshRounds = new ArrayList<>();
            List<Round> localRounds = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                stack.inference().checkAlive();
                if (r % 2 == 0) {
                    meshRounds.add(mesh(http, url, prompts));
                    localRounds.add(inProcess(model, gpt2, prompts));
                } else {
                    localRounds.add(inProcess(model, gpt2, prompts));
                    meshRounds.add(mesh(http, url, prompts));
                }
                print(r, meshRounds.getLast());
                print(r, localRounds.getLast());
            }
            report(meshRounds, localRounds);
        }
        return 0;
    }

    private Round mesh(HttpClient http, String url, List<String> prompts) {
        long t0 = System.nanoTime();
        List<CompletableFuture<GatewayCompletions.Answer>> sent = new ArrayList<>();
        for (String prompt : prompts) {
            sent.add(new GatewayCompletions(http, url, MODEL_ID, prompt).completeAsync(maxTokens)
                    .orTimeout(requestTimeoutSeconds, TimeUnit.SECONDS));
        }
        double[] latency = new double[prompts.size()];
        List<String> texts = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int answered = 0;
        int tokens = 0;
        for (var future : sent) {
            try {
                GatewayCompletions.Answer answer = future.join();
                latency[answered++] = answer.nanos();
                tokens += answer.completionTokens();
                texts.add(answer.text());
            } catch (RuntimeException e) {
                texts.add(null);
                errors.add(e.getCause() != null ? e.getCause().toString() : e.toString());
            }
        }
        return new Round("mesh", Arrays.copyOf(latency, answered), System.nanoTime() - t0, answered, tokens, texts,
                errors);
    }

    /** All prompts submitted at once to a decoder shaped like the engine's; each finishes when its sequence does. */
    private Round inProcess(GptModel model, BpeTokenizer gpt2, List<String> prompts) {
        Integer endOfText = gpt2.specialTokens().get("<|endoftext|>");
        SamplingParams params = SamplingParams.builder().maxTokens(maxTokens).temperature(0)
                .stopTokenIds(List.of(endOfText)).seed(1L).build();
        try (BatchDecoder decoder = new BatchDecoder(model, TokenText.of(gpt2), ENGINE_SLOTS,
                model.config().contextLength())) {
            long t0 = System.nanoTime();
            Map<Long, Integer> order = new HashMap<>();
            for (int i = 0; i < prompts.size(); i++) {
                order.put(decoder.submit(gpt2.encode(prompts.get(i), SpecialTokenPolicy.ALLOW_ALL), params, 1L), i);
            }
            double[] latency = new double[prompts.size()];
            String[] texts = new String[prompts.size()];
            int tokens = 0;
            while (!decoder.idle()) {
                for (StepEvent event : decoder.step()) {
                    if (event.finished()) {
                        int i = order.get(event.sequence());
                        latency[i] = System.nanoTime() - t0;
                        texts[i] = event.output().text();
                        tokens += event.output().tokens().length;
                    }
                }
            }
            return new Round("in-process", latency, System.nanoTime() - t0, prompts.size(), tokens,
                    Arrays.asList(texts), List.of());
        }
    }

    /** Distinct passages of exactly {@code promptTokens} tokens. */
    private List<String> excerpts(BpeTokenizer gpt2, String book) {
        int[] ids = gpt2.encode(book.substring(book.indexOf("Call me Ishmael.")));
        List<String> texts = new ArrayList<>();
        for (int i = 0; texts.size() < requests; i++) {
            int from = i * (promptTokens + 3);
            String text = gpt2.decode(Arrays.copyOfRange(ids, from, from + promptTokens));
            // A passage must read back as the same tokens, or the two paths would decode different prompts.
            if (gpt2.encode(text, SpecialTokenPolicy.ALLOW_ALL).length == promptTokens) {
                texts.add(text);
            }
        }
        return texts;
    }

    private static void print(int round, Round r) {
        Latencies q = r.latencies();
        System.out.printf("round %d %-10s answered %d, wall %.2f s, %.1f tokens/s, latency p50 %.0f ms, p99 %.0f ms%n",
                round + 1, r.path(), r.answered(), r.wallNanos() / 1e9, r.tokensPerSecond(), q.p50(), q.p99());
        r.errors().stream().distinct().limit(3).forEach(e -> System.out.println("    error: " + e));
    }

    private void report(List<Round> meshRounds, List<Round> localRounds) {
        Round mesh = median(meshRounds);
        Round local = median(localRounds);
        int mismatches = 0;
        for (Round m : meshRounds) {
            for (int i = 0; i < requests; i++) {
                if (m.texts().get(i) != null && !m.texts().get(i).equals(local.texts().get(i))) {
                    mismatches++;
                }
            }
        }
        int unanswered = meshRounds.stream().mapToInt(r -> requests - r.answered()).sum();
        Latencies ml = mesh.latencies();
        Latencies ll = local.latencies();
        System.out.println();
        System.out.printf("%-12s %9s %10s %10s %10s %10s%n", "path (median)", "answered", "wall s", "tokens/s",
                "p50 ms", "p99 ms");
        for (Round r : List.of(mesh, local)) {
            Latencies q = r.latencies();
            System.out.printf("%-12s %9d %10.2f %10.1f %10.0f %10.0f%n", r.path(), r.answered(), r.wallNanos() / 1e9,
                    r.tokensPerSecond(), q.p50(), q.p99());
        }
        System.out.printf("mesh answers differing from the in-process texts: %d of %d; unanswered over all rounds: %d%n",
                mismatches, meshRounds.size() * requests, unanswered);
        System.out.printf("bench: serve-load requests=%d answered=%d unanswered_all_rounds=%d text_mismatches=%d "
                        + "p50_ms=%.0f p99_ms=%.0f tokens_per_s=%.1f in_process_p50_ms=%.0f in_process_p99_ms=%.0f "
                        + "in_process_tokens_per_s=%.1f load_avg=%.2f ratio=%.2f vs in-process%n", requests,
                mesh.answered(), unanswered, mismatches, ml.p50(), ml.p99(), mesh.tokensPerSecond(), ll.p50(),
                ll.p99(), local.tokensPerSecond(), TrainBench.loadAverage(),
                mesh.tokensPerSecond() / local.tokensPerSecond());
    }

    /** The round of median throughput (the lower middle one for an even count). */
    private static Round median(List<Round> rounds) {
        List<Round> sorted = rounds.stream()
                .sorted(java.util.Comparator.comparingDouble(Round::tokensPerSecond)).toList();
        return sorted.get((sorted.size() - 1) / 2);
    }
}
