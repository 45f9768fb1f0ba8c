package dev.llmmesh.trainer.jobs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import dev.llmmesh.core.train.PretrainResult;
import dev.llmmesh.core.train.PretrainRun;
import dev.llmmesh.core.train.StepMetrics;
import dev.llmmesh.core.train.TokenWindows;
import dev.llmmesh.core.train.TrainConfig;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobReporter;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.jobs.InvalidJobException;
import dev.llmmesh.mesh.jobs.JobContext;
import dev.llmmesh.mesh.jobs.TrainerJob;
import dev.llmmesh.servicekit.datasets.TokenShardReader;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import dev.llmmesh.servicekit.jobs.JobLifecycle;
import dev.llmmesh.servicekit.jobs.JobRun;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pretrain}: trains from random weights or a published model's (resuming from the job's last checkpoint if a
 * previous attempt left one), then
 * publishes the model to the artifact store and {@code llm.models}. The job was validated before it got here
 * (its settings, the memory it needs): see {@link TrainerJob.Pretrain#validate}.
 */
@Singleton
public class PretrainRunner {
    private static final Logger LOG = LoggerFactory.getLogger(PretrainRunner.class);

    private final FileArtifactStore artifacts;
    private final TokenizerRegistry tokenizers;
    private final TokenShardReader shards;
    private final JobLifecycle lifecycle;
    private final JobContext context;

    public PretrainRunner(FileArtifactStore artifacts, TokenizerRegistry tokenizers, TokenShardReader shards,
                          JobLifecycle lifecycle, JobContext context) {
        this.artifacts = artifacts;
        this.tokenizers = tokenizers;
        this.shards = shards;
        this.lifecycle = lifecycle;
        this.context = context;
    }

    public void run(TrainerJob.Pretrain job) throws IOException, JobFailedException {
        Optional<JobRun> started = lifecycle.start(job);
        if (started.isEmpty()) {
            return;
        }
        JobRun run = started.get();
        BpeTokenizer tokenizer = tokenizers.find(job.tokenizerId()).orElseThrow(() -> new JobFailedException(
                "tokenizerId", "tokenizer '" + job.tokenizerId() + "' not found; train it first or use gpt2"));
        TrainerJob.Pretrain.Plan plan;
        try {
            plan = job.plan(context, tokenizer.vocabSize());
        } catch (InvalidJobException e) {
            throw new JobFailedException(e.field(), e.getMessage());
        }
        GptConfig modelConfig = plan.shape();
        TrainConfig trainConfig = plan.training();
        TokenShardReader.Shards data = shards.read(job.datasetId(), job.tokenizerId());
        TokenWindows windows;
        try {
            windows = TokenWindows.of(data.shards(), trainConfig);
        } catch (IllegalArgumentException e) {
            throw new JobFailedException("datasetId", "dataset '" + job.datasetId() + "': " + e.getMessage());
        }
        LOG.info("job {}: {} tokens ({} of {} shards from Redis), {} training windows, model {} ({} parameters)",
                job.jobId(), data.tokens(), data.fromRedis(), data.shards().size(), windows.trainWindows(), modelConfig,
                modelConfig.parameterCount());

        JobReporter reporter = run.reporter();
        try (GptModel model = startingWeights(plan);
             PretrainRun training = new PretrainRun(model, windows, trainConfig).checkpointsTo(run.checkpoints())) {
            Optional<Path> latest = run.latestCheckpoint();
            if (latest.isPresent()) {
                training.resumeFrom(latest.get());
                reporter.progress(training.step(), trainConfig.maxSteps(), "steps", "resumed from checkpoint at step "
                        + training.step(), Map.of(), true);
            } else {
                reporter.progress(0, trainConfig.maxSteps(), "steps", "starting", Map.of(), true);
            }
            training.onStep(step -> report(reporter, trainConfig, step));
            PretrainResult result = training.run(run::stopRequested);
            if (result.cancelled()) {
                // The checkpoint's location is this server's business, not the client's.
                run.stopped("at step " + result.steps() + " of " + trainConfig.maxSteps());
                return;
            }
            publish(job, model, tokenizer, trainConfig, result, training.validationWindows(), data.tokens(), run);
        }
    }

    /** Random weights, or the base model's when the run continues one. */
    private GptModel startingWeights(TrainerJob.Pretrain.Plan plan) throws IOException {
        Device device = Engine.getInstance().defaultDevice();
        return plan.base() == null ? GptModel.initialize(plan.shape(), device, plan.training().seed())
                : GptCheckpoint.load(artifacts.path(plan.base().artifact()), device);
    }

    private void report(JobReporter reporter, TrainConfig config, StepMetrics step) {
        Map<String, Double> metrics = new HashMap<>();
        metrics.put("loss", step.loss());
        metrics.put("learningRate", step.learningRate());
        metrics.put("gradNorm", step.gradNorm());
        metrics.put("tokensPerSecond", step.tokensPerSecond());
        metrics.put("mfu", step.mfu());
        if (step.validationLoss() != null) {
            metrics.put("validationLoss", step.validationLoss());
        }
        boolean checkpoint = config.checkpointEvery() > 0 && step.step() % config.checkpointEvery() == 0;
        boolean important = step.validationLoss() != null || checkpoint || step.step() == config.maxSteps();
        reporter.progress(step.step(), config.maxSteps(), "steps", checkpoint ? "checkpoint" : "training", metrics,
                important);
    }

    private void publish(TrainerJob.Pretrain job, GptModel model, BpeTokenizer tokenizer, TrainConfig config,
                         PretrainResult result, TokenWindows.Validation validation, long datasetTokens,
                         JobRun run) throws IOException {
        String artifact = ArtifactKeys.modelDir(job.modelId());
        Path dir = artifacts.path(artifact);
        GptCheckpoint.save(model, dir);
        HuggingFaceTokenizerJson.write(tokenizer.model(), dir.resolve("tokenizer.json"));
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", result.lastLoss());
        if (result.lastValidationLoss() != null) {
            metrics.put("validationLoss", result.lastValidationLoss());
        }
        metrics.put("steps", (double) result.steps());
        metrics.put("trainingTokens", (double) result.steps() * config.tokensPerStep());
        metrics.put("datasetTokens", (double) datasetTokens);
        metrics.put("parameters", (double) model.parameterCount());
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(model.config(), Map.class);
        var announcement = ModelAnnouncement.base(job.modelId(), shape, job.tokenizerId(), artifact, job.jobId(),
                metrics, Instant.now()).withParent(job.baseModelId()).withDatasets(Map.of("train", job.datasetId()));
        if (result.lastValidationLoss() != null) {
            // Positions in the stream TokenShardReader assembles: the manifest's shards concatenated in order. The
            // loss above is the final weights' on exactly these windows, so eval-service can rescore them.
            announcement = announcement.withValidation(new ModelAnnouncement.ValidationWindows(job.datasetId(),
                    job.tokenizerId(), validation.startToken(), validation.windows(), validation.contextLength(),
                    validation.stride()));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("modelId", job.modelId());
        summary.put("artifact", artifact);
        summary.putAll(metrics);
        run.publish(announcement, "trained " + job.modelId() + " for " + result.steps() + " steps, loss "
                + "%.4f".formatted(result.lastLoss()), summary);
    }
}
