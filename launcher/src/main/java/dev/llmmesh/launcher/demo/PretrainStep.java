package dev.llmmesh.launcher.demo;

import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.stack.Ports;
import dev.llmmesh.mesh.Topics;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The demo's last act: a small GPT pretrained on the book with the demo's own tokenizer, followed live, then
 * what it learned (the loss curve), where its files are, and its announcement read back from {@code llm.models}.
 */
final class PretrainStep {
    static final String SERVICE = "trainer-service";
    /** The trainer writes the announcement just before its SUCCEEDED event; this only covers a slow broker. */
    private static final Duration ANNOUNCEMENT_WAIT = Duration.ofSeconds(30);

    /** @param published empty when the announcement never showed up on llm.models */
    record Trained(JobOutcome outcome, LossCurve curve, Optional<PublishedModels.Published> published) {
    }

    private final LauncherConfig config;
    private final DemoSettings settings;
    private final PrintStream out;

    PretrainStep(LauncherConfig config, DemoSettings settings, PrintStream out) {
        this.config = config;
        this.settings = settings;
        this.out = out;
    }

    Trained run(JobRunner jobs, String datasetId, String tokenizerId, String modelId) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("datasetId", datasetId);
        fields.put("tokenizerId", tokenizerId);
        fields.put("modelId", modelId);
        fields.put("model", settings.model());
        fields.put("hyperparameters", hyperparameters(settings.trainSteps()));
        fields.put("maxSteps", settings.trainSteps());
        LossCurve curve = new LossCurve();
        JobOutcome outcome = jobs.run(Topics.TRAINER_JOBS, JobRunner.job("pretrain", "pretrain", fields),
                "'%s' GPT on %s with %s, %d steps".formatted(settings.model(), datasetId, tokenizerId,
                        settings.trainSteps()),
                config.data().logFile(SERVICE), new JobProgressBar("train " + modelId, curve::observe));
        Optional<PublishedModels.Published> published = outcome.succeeded()
                ? PublishedModels.find(Ports.KAFKA_BOOTSTRAP, modelId, ANNOUNCEMENT_WAIT)
                : Optional.empty();
        return new Trained(outcome, curve, published);
    }

    /**
     * Settings for a run of a few hundred steps rather than nanoGPT's thousands: a higher peak rate with a short
     * warmup, and about six validation passes so the curve has points. Windows of 64 tokens match the tiny
     * model's context.
     */
    static Map<String, Object> hyperparameters(int steps) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("batchSize", 8);
        h.put("contextLength", 64);
        h.put("learningRate", 0.003);
        h.put("minLearningRate", 0.0003);
        h.put("warmupSteps", Math.min(20, steps / 10));
        h.put("evalEvery", Math.max(1, Math.min(50, steps / 6)));
        h.put("evalBatches", 8);
        h.put("checkpointEvery", Math.max(1, steps / 3));
        h.put("seed", 1337);
        return h;
    }

    /** The loss curve, the files and the registry entry, for the demo's closing summary. */
    List<String> summary(Trained trained) {
        List<String> lines = new ArrayList<>();
        PublishedModels.Published published = trained.published().orElseThrow();
        int vocabSize = ((Number) published.model().config().get("vocabSize")).intValue();
        lines.addAll(trained.curve().summary(vocabSize));
        JobOutcome outcome = trained.outcome();
        lines.add("  %s steps, %s training tokens, %s parameters, %.1f s".formatted(count(outcome, "steps"),
                count(outcome, "trainingTokens"), count(outcome, "parameters"), outcome.took().toMillis() / 1000.0));
        Path dir = config.data().artifactsDir().resolve(published.model().artifact());
        lines.add("  model written to " + dir + " (" + files(dir) + ")");
        lines.add("  published on %s (partition %d, offset %d) as '%s', tokenizer '%s'".formatted(Topics.MODELS,
                published.partition(), published.offset(), published.model().modelId(), published.model().tokenizerId()));
        return lines;
    }

    /** Whole numbers arrive as JSON doubles (the result map is metrics); "1,000", not "1000.0". */
    private static String count(JobOutcome outcome, String key) {
        return outcome.result().get(key) instanceof Number n ? "%,d".formatted(n.longValue()) : "?";
    }

    private static String files(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return String.join(", ", files.sorted().map(f -> f.getFileName() + " " + size(f)).toList());
        } catch (IOException e) {
            return "cannot list: " + e.getMessage();
        }
    }

    private static String size(Path file) {
        try {
            long bytes = Files.size(file);
            return bytes >= 1 << 20 ? "%.1f MB".formatted(bytes / 1048576.0) : "%,d KB".formatted(Math.ceilDiv(bytes, 1024));
        } catch (IOException e) {
            return "?";
        }
    }
}
