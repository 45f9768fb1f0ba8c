package dev.llmmesh.bench;

import dev.llmmesh.core.tokenizer.BpeModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.BpeTrainer;
import dev.llmmesh.core.tokenizer.BpeTrainerConfig;
import dev.llmmesh.core.tokenizer.Gpt2PreTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.ProgressListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Wall time of {@link BpeTrainer} learning a vocabulary from the whole corpus (each file one document,
 * already in memory), against the floor every BPE trainer pays in the same run: splitting the corpus into
 * GPT-2 pieces and counting the distinct ones. No outside trainer runs in this JVM, so that floor is the
 * anchor: ratio = training seconds / counting seconds says how much the merging adds on top.
 */
@Command(name = "tokenizer-train", mixinStandardHelpOptions = true,
        description = "BPE training time vs the time to pre-tokenize and count the corpus's words.")
final class TokenizerTrainBench implements Callable<Integer> {
    @Option(names = "--corpus", defaultValue = "datasets/corpus",
            description = "directory whose .txt files are the training corpus (default: ${DEFAULT-VALUE})")
    Path corpusDir;

    @Option(names = "--vocab", defaultValue = "16000", description = "vocabulary size (default: ${DEFAULT-VALUE})")
    int vocabSize;

    @Option(names = "--min-frequency", defaultValue = "2", description = "least pair count merged (default: ${DEFAULT-VALUE})")
    int minFrequency;

    @Option(names = "--special", defaultValue = Gpt2Vocabulary.END_OF_TEXT,
            description = "special token (default: ${DEFAULT-VALUE})")
    List<String> specials;

    @Option(names = "--runs", defaultValue = "10",
            description = "measured training runs; the median counts (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup-runs", defaultValue = "2",
            description = "training runs before the measured ones (default: ${DEFAULT-VALUE})")
    int warmupRuns;

    @Option(names = "--count-iterations", defaultValue = "10",
            description = "measured pre-tokenize+count passes (default: ${DEFAULT-VALUE})")
    int countIterations;

    @Override
    public Integer call() {
        Corpus corpus = Corpus.load(corpusDir);
        System.out.printf("corpus %s: %d files, %.2f MB UTF-8%n", corpusDir, corpus.texts().size(), corpus.megabytes());
        var config = new BpeTrainerConfig(vocabSize, minFrequency, specials);

        System.out.printf("%nanchor: pre-tokenize (GPT-2 pieces) + count distinct words%n");
        long[] words = new long[1];
        Timing.warmUp("count", () -> words[0] = countWords(corpus.texts(), specials), 5, 30);
        long[] countNanos = new long[countIterations];
        for (int i = 0; i < countIterations; i++) {
            long t0 = System.nanoTime();
            words[0] = countWords(corpus.texts(), specials);
            countNanos[i] = System.nanoTime() - t0;
        }
        double countSeconds = Timing.median(countNanos) / 1e9;
        System.out.printf("  %d distinct words, median %.3f s over %d passes%n", words[0], countSeconds, countIterations);

        System.out.printf("%ntraining: vocab %d, min frequency %d, specials %s; %d warmup runs + %d measured%n",
                vocabSize, minFrequency, specials, warmupRuns, runs);
        long[] trainNanos = new long[runs];
        BpeModel model = null;
        for (int r = 0; r < warmupRuns + runs; r++) {
            boolean warmup = r < warmupRuns;
            String label = warmup ? "warmup " + (r + 1) : "run " + (r - warmupRuns + 1);
            // Merging progress of the first run only, so the measured runs stay one line each.
            var progress = new Progress(label, r == 0);
            long t0 = System.nanoTime();
            model = new BpeTrainer(config, progress).train(corpus.texts());
            long nanos = System.nanoTime() - t0;
            System.out.printf("  %-8s %.3f s (counting words %.3f s, the rest %.3f s): %d tokens, %d merges%n", label, nanos / 1e9,
                    progress.countingEnd / 1e9, (nanos - progress.countingEnd) / 1e9, model.vocabSize(), model.merges().size());
            if (!warmup) {
                trainNanos[r - warmupRuns] = nanos;
            }
        }
        double trainSeconds = Timing.median(trainNanos) / 1e9;

        // A trained model that cannot reproduce its corpus would make the timing meaningless.
        var tokenizer = new BpeTokenizer("bench-trained", model);
        long tokens = 0;
        for (String text : corpus.texts()) {
            int[] ids = tokenizer.encodeOrdinary(text);
            if (!tokenizer.decode(ids).equals(text)) {
                System.err.println("ABORT: the trained tokenizer does not round-trip the corpus");
                return 1;
            }
            tokens += ids.length;
        }
        System.out.printf("%ntrained tokenizer round-trips the corpus: %d tokens (%.2f bytes/token)%n",
                tokens, (double) corpus.utf8Bytes() / tokens);

        System.out.println();
        System.out.printf("%-32s %10s%n", "step", "seconds");
        System.out.printf("%-32s %10.3f%n", "pre-tokenize + count (anchor)", countSeconds);
        System.out.printf("%-32s %10.3f%n", "train vocab " + vocabSize + " (median)", trainSeconds);
        if (model.vocabSize() != vocabSize) {
            System.out.printf("note: training stopped at %d tokens (no pair left with count >= %d)%n",
                    model.vocabSize(), minFrequency);
        }
        System.out.printf("bench: tokenizer-train vocab=%d seconds=%.3f mb=%.2f ratio=%.2f vs pretokenize+count%n",
                model.vocabSize(), trainSeconds, corpus.megabytes(), trainSeconds / countSeconds);
        return 0;
    }

    /**
     * What any BPE trainer does before its first merge: cut out the specials, split the rest into GPT-2
     * pieces and count each distinct piece. Returns the number of distinct pieces.
     */
    static long countWords(List<String> texts, List<String> specials) {
        var counts = new HashMap<String, long[]>();
        for (String text : texts) {
            for (int[] range : outsideSpecials(text, specials)) {
                Gpt2PreTokenizer.split(text, range[0], range[1],
                        (start, end) -> counts.computeIfAbsent(text.substring(start, end), k -> new long[1])[0]++);
            }
        }
        return counts.size();
    }

    private static List<int[]> outsideSpecials(String text, List<String> specials) {
        var ranges = new ArrayList<int[]>();
        int from = 0;
        while (true) {
            int at = -1;
            String found = null;
            for (String special : specials) {
                int i = text.indexOf(special, from);
                if (i >= 0 && (at < 0 || i < at || (i == at && special.length() > found.length()))) {
                    at = i;
                    found = special;
                }
            }
            if (at < 0) {
                ranges.add(new int[]{from, text.length()});
                return ranges;
            }
            ranges.add(new int[]{from, at});
            from = at + found.length();
        }
    }

    /**
     * Prints a line per tenth of each stage after the first (if asked to); remembers when the first stage
     * (counting words) last reported, whatever the trainer calls its stages.
     */
    private static final class Progress implements ProgressListener {
        private final String label;
        private final boolean print;
        private final long start = System.nanoTime();
        private String stage;
        private long lastTenth = -1;
        private long lastEvent;
        /** When the trainer last reported its first stage: the end of counting. */
        long countingEnd;

        Progress(String label, boolean print) {
            this.label = label;
            this.print = print;
        }

        @Override
        public void onProgress(long done, long total, String stage) {
            long elapsed = System.nanoTime() - start;
            if (this.stage == null) {
                this.stage = stage;
            }
            if (!stage.equals(this.stage)) {
                if (countingEnd == 0) {
                    countingEnd = lastEvent;
                }
                this.stage = stage;
                lastTenth = -1;
            }
            lastEvent = elapsed;
            long tenth = total > 0 ? 10 * done / total : 0;
            if (print && countingEnd > 0 && tenth != lastTenth) {
                lastTenth = tenth;
                System.out.printf("    %-8s %6.2f s  %s %d/%d%n", label, elapsed / 1e9, stage, done, total);
            }
        }
    }
}
