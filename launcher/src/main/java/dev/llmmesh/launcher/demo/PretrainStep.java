package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.mesh.jobs.TrainerJob;

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
 * what it learned (the loss curve), where its files are, and the model as the gateway lists it.
 */
final class PretrainStep {
    static final String SERVICE = "trainer-service";
    /**
     * The trainer announces the model just before its SUCCEEDED event and the gateway reads announcements from
     * Kafka on its own; this only covers a slow broker.
     */
    private static final Duration LISTING_WAIT = Duration.ofSeconds(30);
    /** Training tokens per step (8 windows of 64 before the demo's model got a context chat fits in). */
    static final int STEP_TOKENS = 512;
    /** Training windows of the named GPT-2 shapes in the demo: short, so a step stays affordable on a CPU. */
    static final int WINDOW = 64;

    /** @param model the gateway's {@code GET /v1/models/{id}}; empty when the model never showed up there */
    record Trained(JobOutcome outcome, LossCurve curve, Optional<JsonNode> model) {
    }

    private final LauncherConfig config;
    private final DemoSettings settings;
    private final GatewayClient gateway;
    private final PrintStream out;

    PretrainStep(LauncherConfig config, DemoSettings settings, GatewayClient gateway, PrintStream out) {
        this.config = config;
        this.settings = settings;
        this.gateway = gateway;
        this.out = out;
    }

    Trained run(JobRunner jobs, String datasetId, String tokenizerId, String modelId) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", TrainerJob.Pretrain.TYPE.name());
        job.put("datasetId", datasetId);
        job.put("tokenizerId", tokenizerId);
        job.put("modelId", modelId);
        boolean tiny = DemoSettings.TINY.equals(settings.model());
        // An object overlays the tiny shape; the named GPT-2 shapes keep their own context of 1,024 or more.
        job.put("shape", tiny ? Map.of("contextLength", settings.context()) : settings.model());
        job.put("hyperparameters", hyperparameters(settings.trainSteps(), tiny ? settings.context() : WINDOW));
        job.put("maxSteps", settings.trainSteps());
        LossCurve curve = new LossCurve();
        JobOutcome outcome = jobs.run(() -> gateway.submitJob(job),
                "'%s' GPT on %s with %s, %d steps".formatted(settings.model(), datasetId, tokenizerId,
                        settings.trainSteps()),
                config.data().logFile(SERVICE), new JobProgressBar("train " + modelId, curve::observe));
        Optional<JsonNode> model = outcome.succeeded() ? listed(modelId) : Optional.empty();
        return new Trained(outcome, curve, model);
    }

    /** The demo shows a model as published once the gateway lists it, not because the job said so. */
    private Optional<JsonNode> listed(String modelId) {
        return gateway.awaitModel(modelId, LISTING_WAIT);
    }

    /**
     * Settings for a run of a few hundred steps rather than nanoGPT's thousands: a higher peak rate with a short
     * warmup, and about six validation passes so the curve has points. Every step sees about {@link #STEP_TOKENS}
     * tokens whatever the window, so a longer context costs little more per step.
     */
    static Map<String, Object> hyperparameters(int steps, int window) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("batchSize", Math.max(1, STEP_TOKENS / window));
        h.put("contextLength", window);
        h.put("learningRate", 0.003);
        h.put("minLearningRate", 0.0003);
        h.put("warmupSteps", Math.min(20, steps / 10));
        h.put("evalEvery", Math.max(1, Math.min(50, steps / 6)));
        h.put("evalBatches", 8);
        h.put("checkpointEvery", Math.max(1, steps / 3));
        h.put("seed", 1337);
        return h;
    }

    /** The loss curve, the files and the gateway's listing, for the demo's closing summary. */
    List<String> summary(Trained trained) {
        List<String> lines = new ArrayList<>();
        JsonNode model = trained.model().orElseThrow();
        lines.addAll(trained.curve().summary(model.path("config").path("vocabSize").asInt()));
        JobOutcome outcome = trained.outcome();
        lines.add("  %s steps, %s training tokens, %s parameters, %.1f s".formatted(count(outcome, "steps"),
                count(outcome, "trainingTokens"), count(outcome, "parameters"), outcome.took().toMillis() / 1000.0));
        // The gateway names the artifact; on the local stack its files are in the data directory, worth a look.
        Path dir = config.data().artifactsDir().resolve(model.path("artifact").asText());
        if (Files.isDirectory(dir)) {
            lines.add("  model written to " + dir + " (" + files(dir) + ")");
        }
        lines.add("  listed by the gateway as '%s' (tokenizer '%s'): GET %sv1/models/%s".formatted(
                model.path("id").asText(), model.path("tokenizer_id").asText(), gateway.base(), model.path("id").asText()));
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
