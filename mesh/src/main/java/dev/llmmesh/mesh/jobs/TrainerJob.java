package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.MeshJob;

/** A message on {@code llm.trainer.jobs}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = TrainerJob.Pretrain.class, name = TrainerJob.PRETRAIN)})
public sealed interface TrainerJob extends MeshJob {
    String PRETRAIN = "pretrain";
    String CLIENT_TYPES = PRETRAIN;
    int SCHEMA_VERSION = 1;


    /**
     * Trains a model from scratch on a tokenized dataset.
     *
     * @param modelId         id of the published model; defaults to the job id
     * @param model           a config name ("tiny", "gpt2", ...) or an object of GptConfig fields, any of
     *                        which may be left out to take the tiny config's value; the vocabulary size
     *                        always follows the tokenizer
     * @param hyperparameters TrainConfig fields; left-out ones take TrainConfig's defaults
     * @param maxSteps        optimizer steps; overrides hyperparameters.maxSteps
     * @param maxTokens       alternatively, training tokens (rounded up to whole steps)
     */
    record Pretrain(Integer schemaVersion, String jobId, String datasetId, String tokenizerId, String modelId,
                    JsonNode model, JsonNode hyperparameters, Long maxSteps, Long maxTokens) implements TrainerJob {
        public Pretrain {
            if (schemaVersion != null && schemaVersion != SCHEMA_VERSION) {
                throw new IllegalArgumentException("schemaVersion " + schemaVersion + " is not supported; this "
                        + "service reads " + SCHEMA_VERSION);
            }
            schemaVersion = SCHEMA_VERSION;
            Ids.require("jobId", jobId);
            Ids.require("datasetId", datasetId);
            Ids.require("tokenizerId", tokenizerId);
            modelId = Ids.require("modelId", modelId == null ? jobId : modelId);
            if (maxSteps != null && maxTokens != null) {
                throw new IllegalArgumentException("give maxSteps or maxTokens, not both");
            }
        }

        @Override
        public String jobType() {
            return PRETRAIN;
        }
    }
}
