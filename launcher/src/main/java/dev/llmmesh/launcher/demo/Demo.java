package dev.llmmesh.launcher.demo;

import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.stack.HttpHealth;
import dev.llmmesh.launcher.stack.Ports;
import dev.llmmesh.launcher.stack.ServiceCatalog;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.jobs.TokenizerJob;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The README's demo, end to end through the real mesh and only through its public door: the dataset is uploaded
 * to the gateway, jobs are submitted to it, progress comes back on its event streams and results from its API,
 * exactly as any client of a deployed llm-mesh would see them.
 */
public final class Demo {
    private static final String SERVICE = "tokenizer-service";
    private static final String GPT2 = TokenizerRegistry.GPT2;
    private static final String GATEWAY = ServiceCatalog.GATEWAY.name();

    private final LauncherConfig config;
    private final DemoSettings settings;
    private final PrintStream out;

    public Demo(LauncherConfig config, DemoSettings settings, PrintStream out) {
        this.config = config;
        this.settings = settings;
        this.out = out;
    }

    /** @return the exit code: 0, or 1 when a job failed */
    public int run() {
        return new StackSession(config, "Demo", "demo", settings.keepUp(), out).run(this::steps);
    }

    private int steps(boolean stackStops) throws IOException {
        GatewayClient gateway = new GatewayClient(gatewayUri());
        String suffix = shortRandom();
        Path corpusFile = config.home().resolve("datasets").resolve("corpus").resolve("moby-dick.txt");
        Corpus.Uploaded upload = Corpus.upload(gateway, corpusFile, DemoSettings.DATASET_ID, DemoSettings.DATASET_NAME,
                suffix);
        Corpus.Dataset dataset = upload.dataset();
        out.printf("%nDataset '%s': %s (%,d bytes) %s%n", dataset.id(), config.home().relativize(corpusFile),
                dataset.bytes(), upload.reused() ? "was uploaded by an earlier run; using it"
                        : "uploaded with POST " + gateway.base() + "v1/datasets");

        String tokenizerId = "moby-bpe-" + suffix;
        JobRunner jobs = new JobRunner(gateway, new JobFollower(gateway, settings.jobTimeout()), out);
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("datasetId", dataset.id());
        training.put("tokenizerId", tokenizerId);
        training.put("vocabSize", settings.vocabSize());
        training.put("minFrequency", 2);
        JobOutcome train = jobs.run(() -> gateway.trainTokenizer(training),
                "vocabulary of " + settings.vocabSize() + " on " + dataset.id(), config.data().logFile(SERVICE),
                new JobProgressBar("train " + tokenizerId));
        if (!train.succeeded()) {
            return failed(train, SERVICE);
        }
        JobOutcome tokenizeNew = tokenize(jobs, gateway, dataset, tokenizerId);
        if (!tokenizeNew.succeeded()) {
            return failed(tokenizeNew, SERVICE);
        }
        // GPT-2's count on the same text, the same way, for the comparison.
        JobOutcome tokenizeGpt2 = tokenize(jobs, gateway, dataset, GPT2);
        if (!tokenizeGpt2.succeeded()) {
            return failed(tokenizeGpt2, SERVICE);
        }
        List<String> summary = new ArrayList<>(compareTokenizers(gateway, dataset, train, tokenizeNew, tokenizeGpt2,
                tokenizerId));

        Optional<String> modelId = Optional.empty();
        Optional<String> pretrainJob = Optional.empty();
        if (settings.trainSteps() > 0) {
            PretrainStep pretrain = new PretrainStep(config, settings, gateway, out);
            PretrainStep.Trained trained = pretrain.run(jobs, dataset.id(), tokenizerId, "moby-gpt-" + suffix);
            if (!trained.outcome().succeeded()) {
                return failed(trained.outcome(), PretrainStep.SERVICE);
            }
            if (trained.model().isEmpty()) {
                out.println();
                out.println("The pretrain job succeeded but the gateway never listed its model (GET " + gateway.base()
                        + "v1/models); the gateway's log may say why: " + config.data().logFile(GATEWAY)
                        + ", and " + PretrainStep.SERVICE + "'s: " + config.data().logFile(PretrainStep.SERVICE));
                return 1;
            }
            summary.add("");
            summary.add("Pretraining");
            summary.addAll(pretrain.summary(trained));
            modelId = Optional.of(trained.model().get().path("id").asText());
            summary.add("");
            summary.addAll(SampleGenerations.lines(gateway, modelId.get()));
            summary.add("");
            summary.addAll(HeldOutPerplexity.lines(gateway, modelId.get(), min(settings.jobTimeout(),
                    HeldOutPerplexity.WAIT), Demo::evalServiceUp, out));
            pretrainJob = Optional.of(trained.outcome().last().jobId());
        }
        out.println();
        summary.forEach(out::println);
        out.println();
        NextSteps.lines(gateway.base(), dataset.id(), tokenizerId, modelId, pretrainJob,
                stackStops).forEach(out::println);
        return 0;
    }

    /** Prints the sample and compression tables now; returns the summary's tokenizer lines for the end. */
    private List<String> compareTokenizers(GatewayClient gateway, Corpus.Dataset dataset, JobOutcome train,
                                           JobOutcome tokenizeNew, JobOutcome tokenizeGpt2, String tokenizerId) {
        List<DemoReport.Row> rows = new ArrayList<>();
        rows.add(row(gateway, GPT2, tokenizeGpt2.resultLong("tokens")));
        rows.add(row(gateway, tokenizerId, tokenizeNew.resultLong("tokens")));
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
        return lines;
    }

    private JobOutcome tokenize(JobRunner jobs, GatewayClient gateway, Corpus.Dataset dataset, String tokenizerId) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", TokenizerJob.TokenizeDataset.TYPE.name());
        job.put("datasetId", dataset.id());
        job.put("tokenizerId", tokenizerId);
        job.put("shardBytes", settings.shardBytes());
        return jobs.run(() -> gateway.submitJob(job), dataset.id() + " with " + tokenizerId,
                config.data().logFile(SERVICE), new JobProgressBar("tokenize " + tokenizerId));
    }

    /** The sample sentence through the gateway's tokenize, and each of its tokens back through detokenize. */
    private DemoReport.Row row(GatewayClient gateway, String tokenizer, long datasetTokens) {
        int[] ids = gateway.tokenize(tokenizer, DemoSettings.SAMPLE);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(gateway.detokenize(tokenizer, id));
        }
        return new DemoReport.Row(tokenizer, gateway.vocabSize(tokenizer), ids, pieces, datasetTokens);
    }

    /** Until eval-service joins the stack's catalog, it is not running. */
    private static boolean evalServiceUp() {
        return ServiceCatalog.find(HeldOutPerplexity.SERVICE).map(s -> new HttpHealth(s.port()).healthy()).orElse(false);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static URI gatewayUri() {
        return URI.create("http://" + Ports.HOST + ":" + ServiceCatalog.GATEWAY.port() + "/");
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
