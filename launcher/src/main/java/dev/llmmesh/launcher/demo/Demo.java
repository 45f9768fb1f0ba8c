package dev.llmmesh.launcher.demo;

import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.stack.Ports;
import dev.llmmesh.launcher.stack.ServiceCatalog;
import dev.llmmesh.launcher.stack.Stack;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.Topics;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
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

        String tokenizerId = "moby-bpe-" + shortRandom();
        int port = ServiceCatalog.SERVICES.stream().filter(s -> s.name().equals(SERVICE)).findFirst().orElseThrow().port();
        JobOutcome train;
        JobOutcome tokenizeNew;
        JobOutcome tokenizeGpt2;
        try (JobClient jobs = new JobClient(Ports.KAFKA_BOOTSTRAP, config.data().logFile(SERVICE).toString())) {
            jobs.open();
            train = run(jobs, "train-tokenizer", "train " + tokenizerId,
                    "vocabulary of " + settings.vocabSize() + " on " + dataset.id(), Map.of(
                            "datasetId", dataset.id(), "tokenizerId", tokenizerId,
                            "vocabSize", settings.vocabSize(), "minFrequency", 2));
            if (!train.succeeded()) {
                return failed(train);
            }
            tokenizeNew = run(jobs, "tokenize-dataset", "tokenize " + tokenizerId,
                    dataset.id() + " with " + tokenizerId, tokenizeJob(dataset, tokenizerId));
            if (!tokenizeNew.succeeded()) {
                return failed(tokenizeNew);
            }
            // GPT-2's count on the same text, the same way, for the comparison.
            tokenizeGpt2 = run(jobs, "tokenize-dataset", "tokenize " + GPT2, dataset.id() + " with " + GPT2,
                    tokenizeJob(dataset, GPT2));
            if (!tokenizeGpt2.succeeded()) {
                return failed(tokenizeGpt2);
            }
        }

        TokenizerClient http = new TokenizerClient(port);
        List<DemoReport.Row> rows = new ArrayList<>();
        rows.add(row(http, GPT2, tokenizeGpt2.resultLong("tokens")));
        rows.add(row(http, tokenizerId, tokenizeNew.resultLong("tokens")));
        out.println();
        DemoReport.sample(DemoSettings.SAMPLE, rows).forEach(out::println);
        out.println();
        DemoReport.compression(dataset, rows).forEach(out::println);
        out.println();
        out.println("Summary");
        out.printf("  trained %s (%d tokens, %s merges) on %s in %.1f s%n", tokenizerId, rows.get(1).vocabSize(),
                train.result().getOrDefault("merges", "?"), dataset.id(), seconds(train));
        out.printf("  tokenized %s in %d shards: %.1f s with %s, %.1f s with %s%n", dataset.id(),
                tokenizeNew.resultLong("shards"), seconds(tokenizeNew), tokenizerId, seconds(tokenizeGpt2), GPT2);
        out.println("  " + DemoReport.versus(rows.get(1), rows.get(0)));
        out.println("  tokenizer: " + config.data().artifactsDir().resolve("tokenizers").resolve(tokenizerId)
                .resolve("tokenizer.json"));
        out.println("  try it:    curl -s localhost:" + port + "/v1/tokenize -H 'Content-Type: application/json' "
                + "-d '{\"tokenizer\":\"" + tokenizerId + "\",\"text\":\"Call me Ishmael.\"}'");
        return 0;
    }

    private JobOutcome run(JobClient jobs, String type, String task, String what, Map<String, Object> fields) {
        String jobId = Ids.random(type.startsWith("train") ? "train" : "tokenize");
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", type);
        job.put("jobId", jobId);
        job.putAll(fields);
        out.printf("%n==> %s: %s (job %s)%n", type, what, jobId);
        out.flush();
        jobs.submit(Topics.TOKENIZER_JOBS, jobId, job);
        JobOutcome outcome = jobs.await(jobId, task, settings.jobTimeout());
        out.printf("    %s after %.1f s: %s%n", outcome.succeeded() ? "done" : outcome.last().state(), seconds(outcome),
                outcome.message());
        return outcome;
    }

    private Map<String, Object> tokenizeJob(Corpus.Dataset dataset, String tokenizerId) {
        return Map.of("datasetId", dataset.id(), "tokenizerId", tokenizerId, "shardBytes", settings.shardBytes());
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
    private int failed(JobOutcome outcome) {
        out.println();
        out.println("The " + outcome.last().jobType() + " job failed, so the demo stops here; "
                + SERVICE + "'s log may say more: " + config.data().logFile(SERVICE));
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
