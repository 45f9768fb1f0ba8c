package dev.llmmesh.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.generate.StepEvent;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Decoding throughput of {@link BatchDecoder} against the machine's memory bandwidth, measured in the same run.
 * At batch 1 a decode step must read every weight once, so bandwidth / weight bytes is the fastest any
 * implementation can decode one sequence; the KV cache's worth is shown against nanoGPT-style decoding that re-runs
 * the whole sequence for every token; batching shows how much more the same weight reads buy.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode tokens/s with and without the KV cache, batched, vs the memory-bandwidth limit.")
final class DecodeBench implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "all",
            description = "tiny, 30m, gpt2 or all (in that order) (default: ${DEFAULT-VALUE})")
    String configName;

    @Option(names = "--prompt", defaultValue = "16", description = "prompt tokens (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--tokens", defaultValue = "48",
            description = "tokens generated per sequence; prompt + tokens must fit tiny's context of 64 (default: ${DEFAULT-VALUE})")
    int newTokens;

    @Option(names = "--batches", defaultValue = "1,4,16,64", split = ",",
            description = "concurrent sequences through the batched decoder (default: ${DEFAULT-VALUE})")
    int[] batches;

    @Option(names = "--repeats", defaultValue = "3",
            description = "timed runs of each measurement; the median counts (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1",
            description = "untimed runs before each figure's timed ones (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--copy-mb", defaultValue = "512",
            description = "size of the array copied to measure memory bandwidth (default: ${DEFAULT-VALUE})")
    int copyMegabytes;

    @Option(names = "--threads", defaultValue = "0",
            description = "libtorch intra-op threads; 0 keeps the engine's default (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--seed", defaultValue = "1337", description = "weights and prompts (default: ${DEFAULT-VALUE})")
    long seed;

    static GptConfig config(String name) {
        return switch (name) {
            case "tiny" -> GptConfig.named("tiny");
            case "30m" -> new GptConfig(50257, 256, 384, 6, 6, 0.0, 1e-5);
            case "gpt2" -> GptConfig.named("gpt2").withDropout(0.0);
            default -> throw new IllegalArgumentException("unknown config '" + name + "'; known: tiny, 30m, gpt2, all");
        };
    }

    /** One config's figures; tokens/s are medians over the repeats. */
    record Result(String name, long parameters, double weightBytes, double cached, double uncached,
                  double[] batchedAggregate, double limit, String path) {
        Result withLimit(double tokensPerSecond) {
            return new Result(name, parameters, weightBytes, cached, uncached, batchedAggregate, tokensPerSecond, path);
        }
    }

    @Override
    public Integer call() {
        if (promptTokens < 1 || newTokens < 2 || repeats < 1) {
            throw new IllegalArgumentException("need --prompt >= 1, --tokens >= 2, --repeats >= 1");
        }
        // The engine first: its native library is loaded with it, and setNumThreads is a call into it.
        Engine engine = Engine.getEngine("PyTorch");
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        System.out.printf("engine %s %s, intra-op threads %d, %d cores, load avg %.2f%n", engine.getEngineName(),
                engine.getVersion(), JniUtils.getNumThreads(), Runtime.getRuntime().availableProcessors(),
                TrainBench.loadAverage());
        System.out.printf("prompt %d tokens, %d generated per sequence, greedy; %d timed runs per figure%n",
                promptTokens, newTokens, repeats);
        List<String> names = configName.equals("all") ? List.of("tiny", "30m", "gpt2") : List.of(configName);
        // Bandwidth before each config and once at the end; the fastest copy of the run is the anchor (on a shared
        // machine the slow ones measure the neighbours), which makes the limit the strict one.
        List<Double> bandwidths = new ArrayList<>();
        List<Result> measured = new ArrayList<>();
        for (String name : names) {
            bandwidths.add(bandwidth());
            measured.add(runOne(name, config(name)));
        }
        bandwidths.add(bandwidth());
        double bandwidth = bandwidths.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        List<Result> results = measured.stream().map(r -> r.withLimit(bandwidth / r.weightBytes())).toList();

        System.out.println();
        System.out.printf("memory bandwidth (copy, read + write bytes / s): %s GB/s; the fastest, %.2f GB/s, is the "
                + "anchor: limit = %.2f GB/s / weight bytes%n", bandwidths.stream().map(b -> String.format("%.2f",
                b / 1e9)).toList(), bandwidth / 1e9, bandwidth / 1e9);
        StringBuilder header = new StringBuilder(String.format("%-5s %12s %9s %10s %9s %8s %10s %8s", "config",
                "params", "weight MB", "limit t/s", "cached", "% limit", "no cache", "speedup"));
        for (int b : batches) {
            header.append(String.format(" %10s", "batch " + b));
        }
        System.out.println(header + "  (tokens/s; batch B: aggregate over B sequences, xN = ratio to batch 1)");
        for (Result r : results) {
            StringBuilder row = new StringBuilder(String.format("%-5s %,12d %9.1f %10.1f %9.1f %7.1f%% %10.1f %7.1fx",
                    r.name, r.parameters, r.weightBytes / 1e6, r.limit, r.cached, 100 * r.cached / r.limit,
                    r.uncached, r.cached / r.uncached));
            for (int i = 0; i < batches.length; i++) {
                row.append(String.format(" %10s", String.format("%.0f x%.1f", r.batchedAggregate[i],
                        r.batchedAggregate[i] / r.batchedAggregate[0])));
            }
            System.out.println(row);
        }
        for (Result r : results) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "bench: decode tokens_per_s=%.1f config=%s path=%s uncached_tokens_per_s=%.1f cache_speedup=%.2f",
                    r.cached, r.name, r.path, r.uncached, r.cached / r.uncached));
            for (int i = 0; i < batches.length; i++) {
                line.append(String.format(Locale.ROOT, " batch%d_tokens_per_s=%.1f", batches[i],
                        r.batchedAggregate[i]));
            }
            line.append(String.format(Locale.ROOT, " limit_tokens_per_s=%.1f bandwidth_gbs=%.2f ratio=%.4f"
                    + " vs memory-bandwidth-limit", r.limit, bandwidth / 1e9, r.cached / r.limit));
            System.out.println(line);
        }
        return 0;
    }

    /**
     * Copy bandwidth of the engine itself: one large float array copied into another, in place (no allocation, so
     * no page faults), the fastest of several copies; bytes moved = read + write.
     */
    private double bandwidth() {
        long elements = (long) copyMegabytes * (1 << 20) / 4;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray source = m.ones(new Shape(elements), DataType.FLOAT32);
            NDArray target = m.zeros(new Shape(elements), DataType.FLOAT32);
            NDIndex all = new NDIndex(":");
            long best = Long.MAX_VALUE;
            long bestRead = Long.MAX_VALUE;
            for (int i = 0; i < 12; i++) {
                long t0 = System.nanoTime();
                target.set(all, source);
                long t1 = System.nanoTime();
                // a read-only pass for comparison (decoding mostly reads): a sum streams the array once
                source.sum().close();
                long t2 = System.nanoTime();
                best = Math.min(best, t1 - t0);
                bestRead = Math.min(bestRead, t2 - t1);
            }
            if (target.sum().getFloat() != elements) {
                throw new IllegalStateException("the copy did not copy");
            }
            double perSecond = 2.0 * elements * 4 / (best / 1e9);
            System.out.printf("memory bandwidth: %d MB copied in %.1f ms (fastest of 12) = %.2f GB/s (read + write);"
                    + " summed (read only) in %.1f ms = %.2f GB/s; load avg %.2f%n", copyMegabytes, best / 1e6,
                    perSecond / 1e9, bestRead / 1e6, elements * 4.0 / (bestRead / 1e9) / 1e9,
                    TrainBench.loadAverage());
            return perSecond;
        }
    }

    private Result runOne(String name, GptConfig config) {
        int capacity = promptTokens + newTokens;
        if (capacity > config.contextLength()) {
            throw new IllegalArgumentException("prompt + tokens exceed " + name + "'s context of "
                    + config.contextLength());
        }
        System.out.printf("%n== %s: vocab %d, context %d, width %d, %d layers, %d heads; load avg %.2f%n", name,
                config.vocabSize(), config.contextLength(), config.embedDim(), config.layers(), config.heads(),
                TrainBench.loadAverage());
        try (GptModel model = GptModel.initialize(config, Device.cpu(), seed)) {
            long parameters = model.parameterCount();
            // A batch-1 step reads every weight once (the tied embedding as the LM head) and one row of the
            // position table, which is left out.
            double weightBytes = 4.0 * (parameters - (long) config.contextLength() * config.embedDim());
            System.out.printf("parameters %,d; %.1f MB of weights read per batch-1 step; decode steps: %s%n",
                    parameters, weightBytes / 1e6, model.decodePath());
            int[] prompt = prompt(config, 0);

            // the two must agree before either is timed
            int[] cachedTokens = decodeCached(model, List.of(prompt), capacity, new double[1]);
            int[] uncachedTokens = decodeUncached(model, prompt, new double[1]);
            if (!Arrays.equals(cachedTokens, uncachedTokens)) {
                throw new IllegalStateException("cached and uncached greedy decoding disagree: "
                        + Arrays.toString(cachedTokens) + " vs " + Arrays.toString(uncachedTokens));
            }

            double cached = median(repeats, () -> {
                double[] rate = new double[1];
                decodeCached(model, List.of(prompt), capacity, rate);
                return rate[0];
            }, name + " cached, batch 1");
            double uncached = median(repeats, () -> {
                double[] rate = new double[1];
                decodeUncached(model, prompt, rate);
                return rate[0];
            }, name + " no cache");
            double[] aggregate = new double[batches.length];
            for (int i = 0; i < batches.length; i++) {
                List<int[]> prompts = new ArrayList<>();
                for (int s = 0; s < batches[i]; s++) {
                    prompts.add(prompt(config, s));
                }
                aggregate[i] = median(repeats, () -> {
                    double[] rate = new double[1];
                    decodeCached(model, prompts, capacity, rate);
                    return rate[0];
                }, name + " batched, " + batches[i] + " sequences");
            }
            return new Result(name, parameters, weightBytes, cached, uncached, aggregate, Double.NaN,
                    model.decodePath().startsWith("java-vector") ? "java-vector" : "libtorch");
        }
    }

    private int[] prompt(GptConfig config, int index) {
        SplittableRandom random = new SplittableRandom(seed + index);
        int[] prompt = new int[promptTokens];
        Arrays.setAll(prompt, i -> random.nextInt(config.vocabSize()));
        return prompt;
    }

    /**
     * The product's path: all prompts submitted to one {@link BatchDecoder}, stepped until done. The first step
     * prefills; the decode steps after it are timed: rate[0] = tokens they produced / their time. Returns the first
     * sequence's tokens.
     */
    private int[] decodeCached(GptModel model, List<int[]> prompts, int capacity, double[] rate) {
        SamplingParams params = SamplingParams.greedy(newTokens);
        int[] first = new int[newTokens];
        int produced = 0;
        try (BatchDecoder decoder = new BatchDecoder(model, null, prompts.size(), capacity)) {
            for (int[] p : prompts) {
                decoder.submit(p, params, 0);
            }
            int filled = 0;
            for (StepEvent e : decoder.step()) {
                if (e.sequence() == 0) {
                    first[filled++] = e.token();
                }
            }
            long t0 = System.nanoTime();
            while (!decoder.idle()) {
                for (StepEvent e : decoder.step()) {
                    produced++;
                    if (e.sequence() == 0) {
                        first[filled++] = e.token();
                    }
                }
            }
            rate[0] = produced / ((System.nanoTime() - t0) / 1e9);
        }
        return first;
    }

    /**
     * nanoGPT's {@code generate}: every token re-runs the whole sequence so far through the model and takes the
     * last position's argmax. Timed from the second token, like the cached path's decode steps.
     */
    private int[] decodeUncached(GptModel model, int[] prompt, double[] rate) {
        int[] sequence = Arrays.copyOf(prompt, prompt.length + newTokens);
        long t0 = 0;
        try (NDManager m = model.manager().newSubManager()) {
            for (int length = prompt.length; length < sequence.length; length++) {
                if (length == prompt.length + 1) {
                    t0 = System.nanoTime();
                }
                try (NDManager step = m.newSubManager()) {
                    NDArray ids = step.create(Arrays.copyOf(sequence, length), new Shape(1, length));
                    NDArray logits = model.forward(ids, false);
                    sequence[length] = (int) logits.get(0, length - 1).argMax().getLong();
                }
            }
        }
        rate[0] = (newTokens - 1) / ((System.nanoTime() - t0) / 1e9);
        return Arrays.copyOfRange(sequence, prompt.length, sequence.length);
    }

    private double median(int runs, java.util.function.DoubleSupplier run, String label) {
        for (int i = 0; i < warmup; i++) {
            run.getAsDouble();
        }
        double[] rates = new double[runs];
        for (int i = 0; i < runs; i++) {
            rates[i] = run.getAsDouble();
        }
        double median = Timing.median(rates);
        System.out.printf("  %-34s %10.1f tokens/s (runs: %s; load avg %.2f)%n", label, median,
                Arrays.stream(rates).mapToObj(r -> String.format("%.1f", r)).toList(), TrainBench.loadAverage());
        return median;
    }
}
