package dev.llmmesh.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToLongFunction;

/**
 * GPT-2 encode throughput of {@link Gpt2Vocabulary#gpt2()} against jtokkit's r50k_base
 * {@code encodeOrdinary} (the same encoding) on the same texts in the same JVM.
 *
 * <p>A pass encodes every corpus file once, each file as one text. Single-thread: one pass on the
 * calling thread. All cores: one thread per core, each running a whole pass over the corpus at the
 * same time, so throughput = threads x corpus bytes / wall time; no thread waits for a share.
 */
@Command(name = "tokenizer-encode", mixinStandardHelpOptions = true,
        description = "GPT-2 encode MB/s (UTF-8 input bytes per second): llm-mesh vs jtokkit r50k_base.")
final class TokenizerEncodeBench implements Callable<Integer> {
    @Option(names = "--corpus", defaultValue = "datasets/corpus",
            description = "directory whose .txt files are encoded (default: ${DEFAULT-VALUE})")
    Path corpusDir;

    @Option(names = "--iterations", defaultValue = "10", description = "measured passes per case (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--threads", description = "threads of the all-cores case (default: available processors)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--min-warmup", defaultValue = "5", description = "least warmup passes (default: ${DEFAULT-VALUE})")
    int minWarmup;

    @Option(names = "--max-warmup", defaultValue = "30", description = "most warmup passes (default: ${DEFAULT-VALUE})")
    int maxWarmup;

    private record Encoder(String name, ToLongFunction<String> tokenCount) {
    }

    @Override
    public Integer call() throws Exception {
        Corpus corpus = Corpus.load(corpusDir);
        System.out.printf("corpus %s: %d files, %.2f MB UTF-8%n", corpusDir, corpus.texts().size(), corpus.megabytes());
        BpeTokenizer gpt2 = Gpt2Vocabulary.gpt2();
        Encoding r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        var ours = new Encoder("llm-mesh gpt2", text -> gpt2.encodeOrdinary(text).length);
        var theirs = new Encoder("jtokkit r50k_base", text -> r50k.encodeOrdinary(text).size());

        long tokens = 0;
        for (int f = 0; f < corpus.texts().size(); f++) {
            String text = corpus.texts().get(f);
            int[] a = gpt2.encodeOrdinary(text);
            int[] b = r50k.encodeOrdinary(text).toArray();
            if (!Arrays.equals(a, b)) {
                int at = Arrays.mismatch(a, b);
                System.err.printf("ABORT: ids differ in %s at token %d: llm-mesh %s, jtokkit %s%n", corpus.names().get(f),
                        at, Arrays.toString(Arrays.copyOfRange(a, at, Math.min(a.length, at + 5))),
                        Arrays.toString(Arrays.copyOfRange(b, at, Math.min(b.length, at + 5))));
                return 1;
            }
            tokens += a.length;
        }
        System.out.printf("ids identical on all files: %d tokens per pass%n", tokens);

        double[] oneThread = measure(corpus, List.of(ours, theirs), 1, tokens);
        double[] allThreads = measure(corpus, List.of(ours, theirs), threads, tokens);

        System.out.println();
        System.out.printf("%-18s %8s %10s %10s%n", "encoder", "threads", "MB/s", "Mtok/s");
        double tokPerByte = (double) tokens / corpus.utf8Bytes();
        for (var row : new Object[][]{{ours, 1, oneThread[0]}, {theirs, 1, oneThread[1]},
                {ours, threads, allThreads[0]}, {theirs, threads, allThreads[1]}}) {
            double mbps = (double) row[2];
            System.out.printf("%-18s %8d %10.1f %10.2f%n", ((Encoder) row[0]).name(), (int) row[1], mbps, mbps * tokPerByte);
        }
        System.out.printf("bench: tokenizer-encode mbps_1t=%.1f mbps_all=%.1f jtokkit_mbps_1t=%.1f jtokkit_mbps_all=%.1f"
                        + " ratio=%.2f ratio_all=%.2f vs jtokkit%n",
                oneThread[0], allThreads[0], oneThread[1], allThreads[1],
                oneThread[0] / oneThread[1], allThreads[0] / allThreads[1]);
        return 0;
    }

    /** Median MB/s of each encoder with {@code threads} threads, measured passes interleaved. */
    private double[] measure(Corpus corpus, List<Encoder> encoders, int threads, long tokensPerPass) throws Exception {
        System.out.printf("%n%d thread(s): %d warmup passes at least, then %d measured passes each, interleaved%n",
                threads, minWarmup, iterations);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (Encoder e : encoders) {
                Timing.warmUp(e.name() + " x" + threads, () -> run(pool, corpus, e, threads, tokensPerPass), minWarmup, maxWarmup);
            }
            long[][] nanos = new long[encoders.size()][iterations];
            for (int i = 0; i < iterations; i++) {
                // Alternating the order keeps drift (heat, other load) from favouring one encoder.
                for (int k = 0; k < encoders.size(); k++) {
                    int e = i % 2 == 0 ? k : encoders.size() - 1 - k;
                    long t0 = System.nanoTime();
                    run(pool, corpus, encoders.get(e), threads, tokensPerPass);
                    nanos[e][i] = System.nanoTime() - t0;
                }
            }
            double[] mbps = new double[encoders.size()];
            for (int e = 0; e < encoders.size(); e++) {
                double median = Timing.median(nanos[e]);
                mbps[e] = threads * corpus.utf8Bytes() / 1e6 / (median / 1e9);
                long[] sorted = nanos[e].clone();
                Arrays.sort(sorted);
                System.out.printf("  %-18s median %7.1f ms  (min %.1f, max %.1f)  %.1f MB/s%n", encoders.get(e).name(),
                        median / 1e6, sorted[0] / 1e6, sorted[sorted.length - 1] / 1e6, mbps[e]);
            }
            return mbps;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One pass per thread over the whole corpus; the token count doubles as a check and a JIT sink. */
    private static void run(ExecutorService pool, Corpus corpus, Encoder encoder, int threads, long tokensPerPass) {
        List<Future<Long>> done = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                long n = 0;
                for (String text : corpus.texts()) {
                    n += encoder.tokenCount().applyAsLong(text);
                }
                return n;
            }));
        }
        for (Future<Long> f : done) {
            long n;
            try {
                n = f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            if (n != tokensPerPass) {
                throw new IllegalStateException(encoder.name() + " gave " + n + " tokens in a pass, expected " + tokensPerPass);
            }
        }
    }
}
