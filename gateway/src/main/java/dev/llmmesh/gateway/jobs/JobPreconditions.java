package dev.llmmesh.gateway.jobs;

import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainConfig;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.jobs.InvalidJobException;
import dev.llmmesh.mesh.jobs.PretrainSettings;
import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.mesh.jobs.TrainerJob;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.format.ReadableBytes;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

/**
 * What a job needs to exist before it can run, checked at the door: a client learns at once that a dataset
 * was never uploaded instead of watching the job fail a moment later.
 */
@Singleton
public class JobPreconditions {
    static final String TRAINER_MEMORY_LIMIT = "llm.jobs.trainer-memory-limit";

    private final ArtifactStore artifacts;
    private final TokenizerRegistry tokenizers;
    private final long trainerMemoryLimit;

    /**
     * @param trainerMemoryLimit what one trainer can give a job; 0 leaves the check to the trainers, which know
     *                           their own capacity (each refuses what it cannot hold, see TrainerMemory)
     */
    public JobPreconditions(ArtifactStore artifacts, TokenizerRegistry tokenizers,
                            @Value("${" + TRAINER_MEMORY_LIMIT + ":0}") @ReadableBytes long trainerMemoryLimit) {
        this.artifacts = artifacts;
        this.tokenizers = tokenizers;
        this.trainerMemoryLimit = trainerMemoryLimit;
    }

    /** The values themselves were checked when the job was parsed (the job records, PretrainSettings). */
    public void check(MeshJob job) {
        switch (job) {
            case TokenizerJob.TrainTokenizer t -> {
                dataset(t.datasetId());
                if (tokenizers.exists(t.tokenizerId())) {
                    throw new ProblemException(HttpStatus.CONFLICT, "tokenizerId", "tokenizer '" + t.tokenizerId()
                            + "' already exists; choose another tokenizerId, or leave it out to name the tokenizer "
                            + "after the job (GET /v1/tokenizers lists them)");
                }
            }
            case TokenizerJob.TokenizeDataset t -> {
                dataset(t.datasetId());
                tokenizer(t.tokenizerId());
            }
            case TrainerJob.Pretrain p -> pretrain(p);
            default -> throw ProblemException.badField("type", job.jobType() + " jobs cannot be submitted here");
        }
    }

    private void pretrain(TrainerJob.Pretrain job) {
        dataset(job.datasetId());
        int vocabSize = tokenizer(job.tokenizerId());
        if (!artifacts.exists(ArtifactKeys.tokensManifest(job.datasetId(), job.tokenizerId()))) {
            throw ProblemException.badField("datasetId", "dataset '" + job.datasetId() + "' has not been tokenized "
                    + "with tokenizer '" + job.tokenizerId() + "'; submit a tokenize-dataset job and wait for it to "
                    + "succeed");
        }
        try {
            GptConfig model = PretrainSettings.model(job.model(), vocabSize);
            TrainConfig training = PretrainSettings.training(job.hyperparameters(), job.maxSteps(), job.maxTokens(),
                    model);
            if (trainerMemoryLimit > 0) {
                PretrainSettings.fits(model, training, trainerMemoryLimit, "the gateway's " + TRAINER_MEMORY_LIMIT);
            }
        } catch (InvalidJobException e) {
            throw ProblemException.badField(e.field(), e.getMessage());
        }
    }

    private void dataset(String datasetId) {
        if (!artifacts.exists(ArtifactKeys.datasetText(datasetId))) {
            throw ProblemException.badField("datasetId", "no dataset '" + datasetId + "'; upload one with "
                    + "POST /v1/datasets (GET /v1/datasets lists them)");
        }
    }

    /** @return the tokenizer's vocabulary size */
    private int tokenizer(String tokenizerId) {
        return tokenizers.find(tokenizerId).orElseThrow(() -> ProblemException.badField("tokenizerId",
                "no tokenizer '" + tokenizerId + "'; train one with POST /v1/tokenizers and wait for its job to "
                        + "succeed (GET /v1/tokenizers lists them)")).vocabSize();
    }
}
