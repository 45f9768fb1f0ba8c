package dev.llmmesh.trainer.jobs;

import dev.llmmesh.mesh.jobs.InvalidJobException;
import dev.llmmesh.mesh.jobs.PretrainSettings;
import dev.llmmesh.mesh.jobs.TrainerJob;
import ai.djl.engine.Engine;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import dev.llmmesh.core.train.Checkpoint;
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
import dev.llmmesh.servicekit.JobEvents;
import dev.llmmesh.servicekit.JobFailedException;
import dev.llmmesh.servicekit.JobInterruptedException;
import dev.llmmesh.servicekit.models.ModelPublisher;
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
 * {@code pretrain}: checks everything that can be checked before any compute (a cancel sent before it started,
 * the settings, whether this trainer's memory can hold the run), trains (resuming from the
 * job's last checkpoint if a previous attempt left one), then publishes the model to the artifact store
 * and {@code llm.models}.
 */
@Singleton
public class PretrainRunner {
    private static final Logger LOG = LoggerFactory.getLogger(PretrainRunner.class);

    private final FileArtifactStore artifacts;
    private final TokenizerRegistry tokenizers;
    private final TokenShardReader shards;
    private final ModelPublisher models;
    private final JobEvents events;
    private final CancelRequests cancels;
    private final ShutdownSignal shutdown;
    private final TrainerMemory memory;

    public PretrainRunner(FileArtifactStore artifacts, TokenizerRegistry tokenizers, TokenShardReader shards,
                          ModelPublisher models, JobEvents events, CancelRequests cancels, ShutdownSignal shutdown,
                          TrainerMemory memory) {
        this.artifacts = artifacts;
        this.tokenizers = tokenizers;
        this.shards = shards;
        this.models = models;
        this.events = events;
        this.cancels = cancels;
        this.shutdown = shutdown;
        this.memory = memory;
    }

    public void run(TrainerJob.Pretrain job) throws IOException, JobFailedException {
        JobReporter reporter = events.reporter(job.jobId(), job.jobType());
        if (cancels.cancelledBeforeStart(job.jobId())) {
            reporter.cancelled("cancelled before a trainer took it up; no model was published");
            return;
        }
        BpeTokenizer tokenizer = tokenizers.find(job.tokenizerId()).orElseThrow(() -> new JobFailedException(
                "tokenizer '" + job.tokenizerId() + "' not found; train it first or use gpt2"));
        GptConfig modelConfig;
        TrainConfig trainConfig;
        try {
            modelConfig = PretrainSettings.model(job.model(), tokenizer.vocabSize());
            trainConfig = PretrainSettings.training(job.hyperparameters(), job.maxSteps(), job.maxTokens(), modelConfig);
            TrainerMemory.Budget budget = memory.budget();
            PretrainSettings.fits(modelConfig, trainConfig, budget.bytes(), budget.source());
        } catch (InvalidJobException e) {
            throw new JobFailedException(e.getMessage());
        }
        TokenShardReader.Shards data = shards.read(job.datasetId(), job.tokenizerId());
        TokenWindows windows;
        try {
            windows = TokenWindows.of(data.shards(), trainConfig);
        } catch (IllegalArgumentException e) {
            throw new JobFailedException("dataset '" + job.datasetId() + "': " + e.getMessage());
        }
        LOG.info("job {}: {} tokens ({} of {} shards from Redis), {} training windows, model {} ({} parameters)",
                job.jobId(), data.tokens(), data.fromRedis(), data.shards().size(), windows.trainWindows(), modelConfig,
                modelConfig.parameterCount());

        Path checkpoints = artifacts.path(ArtifactKeys.checkpointsDir(job.jobId()));
        try (GptModel model = GptModel.initialize(modelConfig, Engine.getInstance().defaultDevice(), trainConfig.seed());
             PretrainRun run = new PretrainRun(model, windows, trainConfig).checkpointsTo(checkpoints)) {
            Optional<Path> latest = Checkpoint.latest(checkpoints);
            if (latest.isPresent()) {
                run.resumeFrom(latest.get());
                reporter.progress(run.step(), trainConfig.maxSteps(), "steps", "resumed from checkpoint at step "
                        + run.step(), Map.of(), true);
            } else {
                reporter.progress(0, trainConfig.maxSteps(), "steps", "starting", Map.of(), true);
            }
            run.onStep(step -> report(reporter, trainConfig, step));
            PretrainResult result = run.run(() -> cancels.isCancelled(job.jobId()) || shutdown.stopping());
            if (result.cancelled() && shutdown.stopping()) {
                throw new JobInterruptedException("job " + job.jobId() + " interrupted by shutdown at step " + result.steps()
                        + "; another replica resumes it");
            }
            if (result.cancelled()) {
                // The checkpoint's location is this server's business, not the client's.
                reporter.cancelled("cancelled at step " + result.steps() + " of " + trainConfig.maxSteps()
                        + "; no model was published");
                return;
            }
            publish(job, model, tokenizer, trainConfig, result, data.tokens(), reporter);
        }
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
                         PretrainResult result, long datasetTokens, JobReporter reporter) throws IOException {
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
        models.announce(ModelAnnouncement.base(job.modelId(), shape, job.tokenizerId(), artifact, job.jobId(), metrics,
                Instant.now()));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("modelId", job.modelId());
        summary.put("artifact", artifact);
        summary.putAll(metrics);
        reporter.succeeded("trained " + job.modelId() + " for " + result.steps() + " steps, loss "
                + "%.4f".formatted(result.lastLoss()), summary);
    }
}
