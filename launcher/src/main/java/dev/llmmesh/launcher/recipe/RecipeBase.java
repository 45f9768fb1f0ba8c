package dev.llmmesh.launcher.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.demo.GatewayClient;
import dev.llmmesh.launcher.demo.JobOutcome;
import dev.llmmesh.launcher.demo.JobProgressBar;
import dev.llmmesh.launcher.demo.JobRunner;
import dev.llmmesh.launcher.demo.LossCurve;
import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.mesh.jobs.TrainerJob;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Makes sure the recipes' shared base model is on the gateway: listed already (an earlier recipe trained it),
 * or pretrained now on the bundled corpora with the GPT-2 tokenizer, through the same jobs as the demo.
 */
final class RecipeBase {
    static final String TOKENIZER = TokenizerRegistry.GPT2;
    static final String CORPUS_ID = "recipes-corpus-v1";
    private static final String CORPUS_NAME = "Moby-Dick and Jane Austen's six novels";
    private static final String TOKENIZER_SERVICE = "tokenizer-service";
    private static final String TRAINER_SERVICE = "trainer-service";
    private static final Duration LISTING_WAIT = Duration.ofSeconds(30);

    /**
     * @param pretrain the pretrain job, empty when the base was reused; when present and not succeeded, the base
     *                 is missing and the recipe stops
     * @param curve    the pretrain run's losses, empty when reused
     */
    record Ready(String modelId, boolean reused, Optional<JobOutcome> pretrain, Optional<LossCurve> curve) {
        boolean ok() {
            return pretrain.map(JobOutcome::succeeded).orElse(true);
        }
    }

    private final LauncherConfig config;
    private final GatewayClient gateway;
    private final JobRunner jobs;
    private final PrintStream out;

    RecipeBase(LauncherConfig config, GatewayClient gateway, JobRunner jobs, PrintStream out) {
        this.config = config;
        this.gateway = gateway;
        this.jobs = jobs;
        this.out = out;
    }

    Ready ensure(BaseModelSpec spec, String suffix) throws IOException {
        String modelId = spec.modelId();
        Optional<JsonNode> listed = gateway.model(modelId);
        if (listed.isPresent()) {
            out.printf("%nBase model '%s' is listed by the gateway (pretrained by an earlier recipe); reusing it%n",
                    modelId);
            return new Ready(modelId, true, Optional.empty(), Optional.empty());
        }
        out.printf("%nBase model '%s' is not there yet: pretraining it (%,d steps of %d x %d tokens, %,d tokens; "
                        + "about 20 minutes on two cores, once)%n", modelId, spec.steps(), spec.batchSize(),
                spec.contextLength(), spec.trainingTokens());
        byte[] corpus = RecipeDatasets.corpus(config.home().resolve("datasets"));
        RecipeDatasets.Uploaded dataset = RecipeDatasets.upload(gateway, CORPUS_ID, CORPUS_NAME, "jsonl-text", corpus,
                suffix);
        out.printf("Dataset '%s': datasets/corpus (%,d bytes as JSON lines) %s%n", dataset.id(), dataset.bytes(),
                dataset.reused() ? "was uploaded by an earlier run; using it" : "uploaded");
        if (!RecipeDatasets.tokenized(gateway, dataset.id(), TOKENIZER)) {
            JobOutcome tokenize = jobs.run(() -> gateway.submitJob(tokenizeJob(dataset.id())),
                    dataset.id() + " with " + TOKENIZER, config.data().logFile(TOKENIZER_SERVICE),
                    new JobProgressBar("tokenize " + TOKENIZER));
            if (!tokenize.succeeded()) {
                return new Ready(modelId, false, Optional.of(tokenize), Optional.empty());
            }
        }
        LossCurve curve = new LossCurve();
        JobOutcome pretrain = jobs.run(() -> gateway.submitJob(pretrainJob(spec, dataset.id())),
                "%d x %d GPT (context %d) on %s with %s, %,d steps".formatted(spec.layers(), spec.embedDim(),
                        spec.contextLength(), dataset.id(), TOKENIZER, spec.steps()),
                config.data().logFile(TRAINER_SERVICE), new JobProgressBar("pretrain " + modelId, curve::observe));
        if (pretrain.succeeded() && gateway.awaitModel(modelId, LISTING_WAIT).isEmpty()) {
            throw new StackException("the pretrain job succeeded but the gateway never listed '" + modelId + "' (GET "
                    + gateway.base() + "v1/models); " + TRAINER_SERVICE + "'s log may say why: "
                    + config.data().logFile(TRAINER_SERVICE));
        }
        if (pretrain.succeeded()) {
            curve.summary(gateway.vocabSize(TOKENIZER)).forEach(out::println);
        }
        return new Ready(modelId, false, Optional.of(pretrain), Optional.of(curve));
    }

    static Map<String, Object> tokenizeJob(String datasetId) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", TokenizerJob.TokenizeDataset.TYPE.name());
        job.put("datasetId", datasetId);
        job.put("tokenizerId", TOKENIZER);
        return job;
    }

    static Map<String, Object> pretrainJob(BaseModelSpec spec, String datasetId) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", TrainerJob.Pretrain.TYPE.name());
        job.put("datasetId", datasetId);
        job.put("tokenizerId", TOKENIZER);
        job.put("modelId", spec.modelId());
        job.put("shape", spec.shape());
        job.put("hyperparameters", spec.hyperparameters());
        job.put("maxSteps", spec.steps());
        return job;
    }
}
