package dev.llmmesh.mesh.jobs;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelDirectory;
import dev.llmmesh.mesh.TokenizerRegistry;

import java.util.Optional;

/**
 * What a job's validation may look up: the datasets, tokenizers and models it names, and the memory it would run
 * in. The gateway builds one to check a job before its 202, the service that runs the job builds one to check it
 * again before any work: the same rules, so nothing the service would refuse is ever accepted.
 *
 * @param trainerMemory what one trainer gives a job; empty where that is not known (a gateway without
 *                      {@code llm.jobs.trainer-memory-limit} leaves the check to the trainers)
 */
public record JobContext(ArtifactStore artifacts, TokenizerRegistry tokenizers, ModelDirectory models,
                         TrainerMemoryBudget trainerMemory) {

    public void dataset(String field, String datasetId) throws InvalidJobException {
        if (!artifacts.exists(ArtifactKeys.datasetText(datasetId))) {
            throw new InvalidJobException(field, "no dataset '" + datasetId + "'; upload one with POST /v1/datasets "
                    + "(GET /v1/datasets lists them)");
        }
    }

    /** @return the tokenizer's vocabulary size */
    public int tokenizer(String field, String tokenizerId) throws InvalidJobException {
        return tokenizers.find(tokenizerId).orElseThrow(() -> new InvalidJobException(field, "no tokenizer '"
                + tokenizerId + "'; train one with POST /v1/tokenizers and wait for its job to succeed "
                + "(GET /v1/tokenizers lists them)")).vocabSize();
    }

    /** A tokenizer id a job would create must be free. */
    public void newTokenizer(String field, String tokenizerId) throws InvalidJobException {
        if (tokenizers.exists(tokenizerId)) {
            throw InvalidJobException.conflict(field, "tokenizer '" + tokenizerId + "' already exists; choose another "
                    + field + ", or leave it out to name the tokenizer after the job (GET /v1/tokenizers lists them)");
        }
    }

    public void tokenized(String datasetId, String tokenizerId) throws InvalidJobException {
        if (!artifacts.exists(ArtifactKeys.tokensManifest(datasetId, tokenizerId))) {
            throw new InvalidJobException("datasetId", "dataset '" + datasetId + "' has not been tokenized with "
                    + "tokenizer '" + tokenizerId + "'; submit a tokenize-dataset job and wait for it to succeed");
        }
    }

    public ModelAnnouncement model(String field, String modelId) throws InvalidJobException {
        return models.find(modelId).orElseThrow(() -> new InvalidJobException(field, "no model '" + modelId
                + "'; GET /v1/models lists the published ones"));
    }

    /**
     * A model id a job would publish must be free: publishing over a model would replace it under its users. The
     * job's own model is no conflict: a job redelivered after it published (its trainer died before committing)
     * publishes the same files again.
     */
    public void newModel(String field, String modelId, String jobId) throws InvalidJobException {
        Optional<ModelAnnouncement> existing = models.find(modelId);
        if (existing.isPresent() && !jobId.equals(existing.get().jobId())) {
            throw InvalidJobException.conflict(field, "model '" + modelId + "' already exists; choose another "
                    + field + ", or delete the model first (DELETE /v1/models/" + modelId + ")");
        }
    }
}
