package dev.llmmesh.launcher.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.demo.GatewayClient;
import dev.llmmesh.launcher.demo.JobFollower;
import dev.llmmesh.launcher.demo.JobOutcome;
import dev.llmmesh.launcher.demo.JobProgressBar;
import dev.llmmesh.launcher.demo.JobRunner;
import dev.llmmesh.launcher.demo.StackSession;
import dev.llmmesh.launcher.stack.Ports;
import dev.llmmesh.launcher.stack.ServiceCatalog;
import dev.llmmesh.launcher.stack.StackException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/llm-mesh recipe spam}: chapter 6 of the book as a service, through the gateway only. The recipes'
 * shared base model (pretrained once, reused after), the bundled SpamAssassin mails uploaded as a labeled dataset,
 * one {@code finetune-classifier} job per seed, and a report that judges the mean test accuracy against the
 * issue's goal and a naive-Bayes baseline trained on the same splits.
 */
public final class SpamRecipe {
    static final String DATASET_ID = "spamassassin-v1";
    static final String DATASET_NAME = "SpamAssassin easy-ham-1 and spam-1 (3,000 mails)";
    static final String DATASET_FORMAT = "jsonl-labeled";
    static final String JOB_TYPE = "finetune-classifier";
    private static final String TRAINER_SERVICE = "trainer-service";
    private static final Duration LISTING_WAIT = Duration.ofSeconds(30);
    private static final int MISCLASSIFIED_SHOWN = 4;

    private final LauncherConfig config;
    private final SpamSettings settings;
    private final PrintStream out;

    public SpamRecipe(LauncherConfig config, SpamSettings settings, PrintStream out) {
        this.config = config;
        this.settings = settings;
        this.out = out;
    }

    /** @return the exit code: 0 when every job succeeded (whether or not the goal is met), 1 otherwise */
    public int run() {
        return new StackSession(config, "Recipe spam", "recipe spam", settings.keepUp(), out).run(this::steps);
    }

    private int steps(boolean stackStops) throws IOException {
        GatewayClient gateway = new GatewayClient(URI.create("http://" + Ports.HOST + ":"
                + ServiceCatalog.GATEWAY.port() + "/"));
        JobRunner jobs = new JobRunner(gateway, new JobFollower(gateway, settings.jobTimeout()), out);
        String suffix = shortRandom();
        Map<String, Duration> phases = new LinkedHashMap<>();

        long start = System.nanoTime();
        RecipeBase.Ready base = new RecipeBase(config, gateway, jobs, out).ensure(settings.base(), suffix);
        phases.put(base.reused() ? "base model (reused)" : "base model (pretrained)", since(start));
        if (!base.ok()) {
            return failed(base.pretrain().orElseThrow());
        }

        start = System.nanoTime();
        Path mails = RecipeDatasets.bundled(config.home().resolve("datasets").resolve("spam")
                .resolve("spamassassin.jsonl"));
        RecipeDatasets.Uploaded dataset = RecipeDatasets.upload(gateway, DATASET_ID, DATASET_NAME, DATASET_FORMAT,
                Files.readAllBytes(mails), suffix);
        out.printf("%nDataset '%s': %s (%,d bytes) %s%n", dataset.id(), config.home().relativize(mails),
                dataset.bytes(), dataset.reused() ? "was uploaded by an earlier run; using it"
                        : "uploaded as " + DATASET_FORMAT + " with POST " + gateway.base() + "v1/datasets");
        phases.put("spam dataset upload", since(start));

        List<SeedResult> results = new ArrayList<>();
        for (long seed : settings.seeds()) {
            String modelId = "spam-" + suffix + "-s" + seed;
            EpochWatch watch = new EpochWatch(out);
            JobOutcome outcome = jobs.run(() -> gateway.submitJob(job(base.modelId(), dataset.id(), modelId, seed)),
                    "%s on %s, trainable %s, pooling %s, %d tokens (%s), %d epochs, seed %d".formatted(
                            base.modelId(), dataset.id(), settings.trainable(), settings.pooling(),
                            settings.maxLength(), settings.truncation(), settings.effectiveEpochs(), seed),
                    config.data().logFile(TRAINER_SERVICE),
                    new JobProgressBar("fine-tune seed " + seed, watch::barMessage, watch::event));
            phases.put("fine-tune seed " + seed, outcome.took());
            if (!outcome.succeeded()) {
                return failed(outcome);
            }
            results.add(SeedResult.from(seed, outcome.result(), outcome.took()));
        }

        SeedResult best = results.stream().max(Comparator.comparingDouble(SeedResult::testAccuracy)).orElseThrow();
        start = System.nanoTime();
        List<String> served = served(gateway, best.modelId());
        phases.put("first /v1/classify", since(start));

        List<String> report = new ArrayList<>();
        report.addAll(SpamReport.accuracy(results));
        report.add("");
        report.addAll(SpamReport.confusion(results));
        report.add("");
        report.addAll(SpamReport.misclassified(results, MISCLASSIFIED_SHOWN));
        report.add("");
        report.addAll(served);
        report.add("");
        report.addAll(SpamReport.phases(phases));
        report.add("");
        report.addAll(SpamReport.curl(gateway.base(), best.modelId(), stackStops));
        out.println();
        report.forEach(out::println);
        return 0;
    }

    Map<String, Object> job(String baseModelId, String datasetId, String modelId, long seed) {
        return job(settings, baseModelId, datasetId, modelId, seed);
    }

    /** The {@code finetune-classifier} job of one seed, in the trainer's field names. */
    static Map<String, Object> job(SpamSettings settings, String baseModelId, String datasetId, String modelId,
                                   long seed) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", JOB_TYPE);
        job.put("modelId", modelId);
        job.put("baseModelId", baseModelId);
        job.put("datasetId", datasetId);
        job.put("seed", seed);
        job.put("trainable", settings.trainable());
        job.put("pooling", settings.pooling());
        job.put("maxLength", settings.maxLength());
        job.put("truncation", settings.truncation());
        job.put("hyperparameters", settings.hyperparameters());
        return job;
    }

    /**
     * The best seed's model, answered by the serving path (gateway, Kafka, inference-service), on two mails of our
     * own: the proof that what was measured is what is served. A failure here is reported, not fatal: the figures
     * above stand on their own.
     */
    private List<String> served(GatewayClient gateway, String modelId) {
        List<String> lines = new ArrayList<>();
        lines.add("Served: POST " + gateway.base() + "v1/classify with '" + modelId + "' (the best seed)");
        List<String> inputs = List.of("Subject: WIN a FREE cruise! Click here now to claim your prize",
                "Subject: Re: the patch for the build script");
        try {
            if (gateway.awaitModel(modelId, LISTING_WAIT).isEmpty()) {
                lines.add("  the gateway does not list the model yet (GET " + gateway.base() + "v1/models/" + modelId + ")");
                return lines;
            }
            JsonNode answer = gateway.classify(modelId, inputs);
            for (JsonNode item : answer.path("data")) {
                int index = item.path("index").asInt();
                lines.add("  %-6s %s  \"%s\"".formatted(item.path("label").asText(), probabilities(item.path("probabilities")),
                        index < inputs.size() ? inputs.get(index) : "?"));
            }
        } catch (StackException e) {
            lines.add("  not answered: " + e.getMessage());
        }
        return lines;
    }

    private static String probabilities(JsonNode p) {
        List<String> parts = new ArrayList<>();
        p.properties().forEach(e -> parts.add("%s %.3f".formatted(e.getKey(), e.getValue().asDouble())));
        return "(" + String.join(", ", parts) + ")";
    }

    /** The reason is already on screen (the job's FAILED line); say where the rest of the story is. */
    private int failed(JobOutcome outcome) {
        String service = "pretrain".equals(outcome.last().jobType()) || JOB_TYPE.equals(outcome.last().jobType())
                ? TRAINER_SERVICE : "tokenizer-service";
        out.println();
        out.println("The " + outcome.last().jobType() + " job " + outcome.last().state().name().toLowerCase()
                + ", so the recipe stops here; " + service + "'s log may say more: " + config.data().logFile(service));
        return 1;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Six hex digits: enough that two recipe runs never collide, short enough to read in a table. */
    private static String shortRandom() {
        byte[] bytes = new byte[3];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
