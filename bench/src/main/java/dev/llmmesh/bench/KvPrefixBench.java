package dev.llmmesh.bench;

import ai.djl.engine.Engine;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Time to first token for a long prompt whose prefix no replica has seen (cold: the whole prompt goes through the
 * model) against the same prompt once its KV blocks are in Redis (warm: loaded, only the tail is computed), streamed
 * through the gateway on the real path. The anchor is the cold prefill measured in the same run.
 */
@Command(name = "kv-prefix", mixinStandardHelpOptions = true,
        description = "Time to first token: cold prefill vs prefix KV states loaded from Redis (see BENCHMARKS.md).")
public final class KvPrefixBench implements Callable<Integer> {
    private static final String MODEL_ID = "kv-prefix-bench";

    @Option(names = "--model", defaultValue = "30m", description = "30m (context 256) or tiny (context 64)")
    String modelName;

    @Option(names = "--prompt-tokens", defaultValue = "200",
            description = "prompt length in GPT-2 tokens; whole 64-token blocks of it can come from Redis")
    int promptTokens;

    @Option(names = "--prompts", defaultValue = "10", description = "distinct prompts, each sent cold then warm")
    int prompts;

    @Option(names = "--repo", defaultValue = ".", description = "repository root (jars, corpus)")
    Path repoRoot;

    public static void main(String[] args) {
        System.exit(new CommandLine(new KvPrefixBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        GptConfig config = ServeLatencyBench.config(modelName);
        if (promptTokens + 2 > config.contextLength()) {
            throw new IllegalArgumentException("--prompt-tokens " + promptTokens + " does not fit the context of "
                    + config.contextLength() + "; use --model 30m");
        }
        Engine.getEngine("PyTorch");
        BpeTokenizer gpt2 = Gpt2Vocabulary.gpt2();
        List<String> texts = excerpts(gpt2, Files.readString(repoRoot.resolve("datasets/corpus/moby-dick.txt")));
        System.out.printf("kv-prefix: model %s (context %d), %d prompts of %d tokens, 2 cores, load avg %.2f%n",
                modelName, config.contextLength(), prompts, promptTokens, TrainBench.loadAverage());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        var settings = new ServingStack.Settings(MODEL_ID, config, 1337, repoRoot.toAbsolutePath().normalize(),
                Map.of("LLM_INFERENCE_CHUNK_TOKENS", "1"), List.of());
        List<Long> cold = new ArrayList<>();
        List<Long> warm = new ArrayList<>();
        try (ServingStack stack = ServingStack.start(settings, http)) {
            String url = stack.gateway().baseUrl();
            // The replica must have loaded the model before anything is timed; this prompt is never reused.
            new GatewayCompletions(http, url, MODEL_ID, "warm-up " + texts.getLast()).awaitServed(Duration.ofMinutes(3));
            for (String text : texts.subList(0, prompts)) {
                var completions = new GatewayCompletions(http, url, MODEL_ID, text);
                cold.add(completions.stream(1).firstContentNanos());
                // The replica stores new blocks on a writer thread after the prefill: give it a moment.
                Thread.sleep(300);
                warm.add(completions.stream(1).firstContentNanos());
            }
        }
        Latencies coldMs = Latencies.ofNanos(cold.stream().mapToDouble(Long::doubleValue).toArray());
        Latencies warmMs = Latencies.ofNanos(warm.stream().mapToDouble(Long::doubleValue).toArray());
        System.out.printf("%-28s %10s %10s%n", "time to first token", "p50 ms", "max ms");
        System.out.printf("%-28s %10.2f %10.2f%n", "cold (whole prompt computed)", coldMs.p50(), coldMs.max());
        System.out.printf("%-28s %10.2f %10.2f%n", "warm (blocks from Redis)", warmMs.p50(), warmMs.max());
        System.out.printf("bench: kv-prefix cold_ttft_p50_ms=%.2f warm_ttft_p50_ms=%.2f prompt_tokens=%d model=%s "
                        + "load_avg=%.2f ratio=%.2f vs cold-prefill%n", coldMs.p50(), warmMs.p50(), promptTokens,
                modelName, TrainBench.loadAverage(), coldMs.p50() / warmMs.p50());
        return 0;
    }

    /** Distinct book passages of exactly {@code promptTokens} tokens: no two share a first block. */
    private List<String> excerpts(BpeTokenizer gpt2, String book) {
        int[] ids = gpt2.encode(book.substring(book.indexOf("Call me Ishmael.")));
        List<String> texts = new ArrayList<>();
        for (int i = 0; texts.size() < prompts + 1; i++) {
            int from = i * (promptTokens + 7);
            texts.add(gpt2.decode(java.util.Arrays.copyOfRange(ids, from, from + promptTokens)));
        }
        return texts;
    }
}
