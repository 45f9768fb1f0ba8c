package dev.llmmesh.launcher.demo;

import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.stack.Ports;
import dev.llmmesh.launcher.stack.ServiceCatalog;
import dev.llmmesh.launcher.stack.Stack;
import dev.llmmesh.mesh.Topics;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The README's demo, end to end through the real mesh: a dataset goes into the artifact store, jobs go to
 * Kafka, progress comes back as events, results are read over HTTP.
 */
public final class Demo {
    private static final String SERVICE = "tokenizer-service";
    private static final String GPT2 = "gpt2";

    private final LauncherConfig config;
    private final DemoSettings settings;
    private final PrintStream out;
    private boolean stopped;

    public Demo(LauncherConfig config, DemoSettings settings, PrintStream out) {
        this.config = config;
        this.settings = settings;
        this.out = out;
    }

    /** @return the exit code: 0, or 1 when a job failed */
    public int run() {
        long start = System.nanoTime();
        Stack stack = config.stack(out);
        boolean startedHere = !stack.isUp();
        Thread onCtrlC = new Thread(() -> stopOnce(stack));
        if (startedHere) {
            out.println("Starting the local stack (data in " + config.data().root() + ")");
            if (!settings.keepUp()) {
                // Ctrl-C must not leave a broker and services behind that the user never asked for.
                Runtime.getRuntime().addShutdownHook(onCtrlC);
            }
        } else {
            out.println("Using the running stack (data in " + config.data().root() + ")");
        }
        try {
            if (startedHere) {
                stack.up();
            }
            int exit = steps();
            out.printf("%nDemo %s after %.1f s.%n", exit == 0 ? "finished" : "stopped", (System.nanoTime() - start) / 1e9);
            return exit;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (startedHere && !settings.keepUp()) {
                out.println();
                out.println("Stopping the stack the demo started (`bin/llm-mesh demo --keep-up` leaves it running)");
                stopOnce(stack);
                try {
                    Runtime.getRuntime().removeShutdownHook(onCtrlC);
                } catch (IllegalStateException e) {
                    // Already shutting down: the hook is running or has run.
                }
            } else if (startedHere) {
                out.println("The stack keeps running; `bin/llm-mesh down` stops it.");
            }
        }
    }

    /**
     * Synchronized, not just guarded: a Ctrl-C that lands while the demo is already stopping the stack must
     * wait for that stop to finish, or the JVM exits halfway and leaves the rest running.
     */
    private synchronized void stopOnce(Stack stack) {
        if (!stopped) {
            stopped = true;
            stack.down();
        }
    }

    private int steps() throws IOException {
        Path corpusFile = config.home().resolve("datasets").resolve("corpus").resolve("moby-dick.txt");
        Corpus.Dataset dataset = Corpus.importInto(corpusFile, config.data().artifactsDir(), DemoSettings.DATASET_ID);
        out.printf("%nDataset '%s': %s (%,d bytes) copied to %s%n", dataset.id(), config.home().relativize(corpusFile),
                dataset.bytes(), dataset.file());

        String suffix = shortRandom();
        String tokenizerId = "moby-bpe-" + suffix;
        List<String> summary = new ArrayList<>();
        try (JobClient client = new JobClient(Ports.KAFKA_BOOTSTRAP)) {
            client.open();
            JobRunner jobs = new JobRunner(client, settings.jobTimeout(), out);
            JobOutcome train = jobs.run(Topics.TOKENIZER_JOBS, JobRunner.job("train-tokenizer", "train", Map.of(
                            "datasetId", dataset.id(), "tokenizerId", tokenizerId,
                            "vocabSize", settings.vocabSize(), "minFrequency", 2)),
                    "vocabulary of " + settings.vocabSize() + " on " + dataset.id(), config.data().logFile(SERVICE),
                    new JobProgressBar("train " + tokenizerId));
            if (!train.succeeded()) {
                return failed(train, SERVICE);
            }
            JobOutcome tokenizeNew = tokenize(jobs, dataset, tokenizerId);
            if (!tokenizeNew.succeeded()) {
                return failed(tokenizeNew, SERVICE);
            }
            // GPT-2's count on the same text, the same way, for the comparison.
            JobOutcome tokenizeGpt2 = tokenize(jobs, dataset, GPT2);
            if (!tokenizeGpt2.succeeded()) {
                return failed(tokenizeGpt2, SERVICE);
            }
            summary.addAll(compareTokenizers(dataset, train, tokenizeNew, tokenizeGpt2, tokenizerId));

            if (settings.trainSteps() > 0) {
                PretrainStep pretrain = new PretrainStep(config, settings, out);
                PretrainStep.Trained trained = pretrain.run(jobs, dataset.id(), tokenizerId, "moby-gpt-" + suffix);
                if (!trained.outcome().succeeded()) {
                    return failed(trained.outcome(), PretrainStep.SERVICE);
                }
                if (trained.published().isEmpty()) {
                    out.println();
                    out.println("The pretrain job succeeded but its model never appeared on " + Topics.MODELS + "; "
                            + PretrainStep.SERVICE + "'s log may say why: " + config.data().logFile(PretrainStep.SERVICE));
                    return 1;
                }
                summary.add("");
                summary.add("Pretraining");
                summary.addAll(pretrain.summary(trained));
            }
        }
        out.println();
        summary.forEach(out::println);
        return 0;
    }

    /** Prints the sample and compression tables now; returns the summary's tokenizer lines for the end. */
    private List<String> compareTokenizers(Corpus.Dataset dataset, JobOutcome train, JobOutcome tokenizeNew,
                                           JobOutcome tokenizeGpt2, String tokenizerId) {
        int port = ServiceCatalog.SERVICES.stream().filter(s -> s.name().equals(SERVICE)).findFirst().orElseThrow().port();
        TokenizerClient http = new TokenizerClient(port);
        List<DemoReport.Row> rows = new ArrayList<>();
        rows.add(row(http, GPT2, tokenizeGpt2.resultLong("tokens")));
        rows.add(row(http, tokenizerId, tokenizeNew.resultLong("tokens")));
        out.println();
        DemoReport.sample(DemoSettings.SAMPLE, rows).forEach(out::println);
        out.println();
        DemoReport.compression(dataset, rows).forEach(out::println);

        List<String> lines = new ArrayList<>();
        lines.add("Summary");
        lines.add("  trained %s (%d tokens, %s merges) on %s in %.1f s".formatted(tokenizerId, rows.get(1).vocabSize(),
                train.result().getOrDefault("merges", "?"), dataset.id(), seconds(train)));
        lines.add("  tokenized %s in %d shards: %.1f s with %s, %.1f s with %s".formatted(dataset.id(),
                tokenizeNew.resultLong("shards"), seconds(tokenizeNew), tokenizerId, seconds(tokenizeGpt2), GPT2));
        lines.add("  " + DemoReport.versus(rows.get(1), rows.get(0)));
        lines.add("  tokenizer: " + config.data().artifactsDir().resolve("tokenizers").resolve(tokenizerId)
                .resolve("tokenizer.json"));
        lines.add("  try it:    curl -s localhost:" + port + "/v1/tokenize -H 'Content-Type: application/json' "
                + "-d '{\"tokenizer\":\"" + tokenizerId + "\",\"text\":\"Call me Ishmael.\"}'");
        return lines;
    }

    private JobOutcome tokenize(JobRunner jobs, Corpus.Dataset dataset, String tokenizerId) {
        return jobs.run(Topics.TOKENIZER_JOBS, JobRunner.job("tokenize-dataset", "tokenize", Map.of(
                        "datasetId", dataset.id(), "tokenizerId", tokenizerId, "shardBytes", settings.shardBytes())),
                dataset.id() + " with " + tokenizerId, config.data().logFile(SERVICE),
                new JobProgressBar("tokenize " + tokenizerId));
    }

    private DemoReport.Row row(TokenizerClient http, String tokenizer, long datasetTokens) {
        int[] ids = http.tokenize(tokenizer, DemoSettings.SAMPLE);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(http.detokenize(tokenizer, id));
        }
        return new DemoReport.Row(tokenizer, http.vocabSize(tokenizer), ids, pieces, datasetTokens);
    }

    /** The reason is already on screen (the job's FAILED line); say where the rest of the story is. */
    private int failed(JobOutcome outcome, String service) {
        out.println();
        out.println("The " + outcome.last().jobType() + " job " + outcome.last().state().name().toLowerCase()
                + ", so the demo stops here; " + service + "'s log may say more: " + config.data().logFile(service));
        return 1;
    }

    /** Six hex digits: enough that two demo runs never collide, short enough to read in a table. */
    private static String shortRandom() {
        byte[] bytes = new byte[3];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static double seconds(JobOutcome outcome) {
        return outcome.took().toMillis() / 1000.0;
    }
}
