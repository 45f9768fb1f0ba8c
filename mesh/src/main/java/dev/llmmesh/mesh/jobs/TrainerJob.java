package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainConfig;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;

/** A message on {@code llm.trainer.jobs}: jobs that make or remove models. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public sealed interface TrainerJob extends MeshJob {
    int SCHEMA_VERSION = 1;

    /**
     * Trains a model on a tokenized dataset: from scratch, or further from a published model.
     *
     * @param modelId         id of the published model; defaults to the job id
     * @param baseModelId     a published model to start from (its weights and shape) instead of random weights; the
     *                        new model names it as its parent
     * @param shape           the architecture: a config name ("tiny", "gpt2", ...) or an object of GptConfig fields,
     *                        any of which may be left out to take the tiny config's value; the vocabulary size
     *                        always follows the tokenizer. Called {@code model} before; that name still reads
     * @param hyperparameters TrainConfig fields; left-out ones take TrainConfig's defaults
     * @param maxSteps        optimizer steps; overrides hyperparameters.maxSteps
     * @param maxTokens       alternatively, training tokens (rounded up to whole steps)
     */
    record Pretrain(Integer schemaVersion, String jobId, String datasetId, String tokenizerId, String modelId,
                    String baseModelId, JsonNode shape, JsonNode hyperparameters, Long maxSteps, Long maxTokens)
            implements TrainerJob {
        public static final JobType<Pretrain> TYPE = JobType.submitted("pretrain", Pretrain.class,
                Topics.TRAINER_JOBS, true).renamed("model", "shape");

        public Pretrain {
            schemaVersion = SchemaVersions.check(schemaVersion, SCHEMA_VERSION);
            Ids.require("jobId", jobId);
            Ids.require("datasetId", datasetId);
            Ids.require("tokenizerId", tokenizerId);
            modelId = Ids.require("modelId", modelId == null ? jobId : modelId);
            if (baseModelId != null) {
                Ids.require("baseModelId", baseModelId);
                if (shape != null && !shape.isNull()) {
                    throw new IllegalArgumentException("shape must be left out when baseModelId is given: the run "
                            + "keeps the base model's shape");
                }
            }
            if (maxSteps != null && maxTokens != null) {
                throw new IllegalArgumentException("give maxSteps or maxTokens, not both");
            }
        }

        @Override
        public String jobType() {
            return TYPE.name();
        }

        @Override
        public void validate(JobContext context) throws InvalidJobException {
            context.dataset("datasetId", datasetId);
            int vocabSize = context.tokenizer("tokenizerId", tokenizerId);
            context.tokenized(datasetId, tokenizerId);
            context.newModel("modelId", modelId, jobId);
            Plan plan = plan(context, vocabSize);
            var budget = context.trainerMemory().budget();
            if (budget.isPresent()) {
                PretrainSettings.fits(plan.shape(), plan.training(), budget.get().bytes(), budget.get().source());
            }
        }

        /**
         * What the run trains and how, as validation checked it and the trainer runs it.
         *
         * @param shape the job's shape over tiny's, or its base model's
         * @param base  the published model the run starts from; null for random weights
         */
        public record Plan(GptConfig shape, TrainConfig training, ModelAnnouncement base) {
        }

        /** @param vocabSize the tokenizer's */
        public Plan plan(JobContext context, int vocabSize) throws InvalidJobException {
            ModelAnnouncement base = baseModelId == null ? null : context.model("baseModelId", baseModelId);
            GptConfig model = base == null ? PretrainSettings.model(shape, vocabSize)
                    : PretrainSettings.continued(base, tokenizerId);
            return new Plan(model, PretrainSettings.training(hyperparameters, maxSteps, maxTokens, model), base);
        }
    }

    /**
     * Withdraws a published model: it leaves {@code /v1/models} and every replica stops serving it once its running
     * requests are answered; its files are removed from the artifact store.
     */
    record DeleteModel(Integer schemaVersion, String jobId, String modelId) implements TrainerJob {
        public static final JobType<DeleteModel> TYPE = JobType.submitted("delete-model", DeleteModel.class,
                Topics.TRAINER_JOBS, false);

        public DeleteModel {
            schemaVersion = SchemaVersions.check(schemaVersion, SCHEMA_VERSION);
            Ids.require("jobId", jobId);
            Ids.require("modelId", modelId);
        }

        @Override
        public String jobType() {
            return TYPE.name();
        }

        @Override
        public void validate(JobContext context) throws InvalidJobException {
            if (context.models().find(modelId).isEmpty()
                    && context.artifacts().exists(ArtifactKeys.modelDir(modelId) + GptCheckpoint.CONFIG_FILE)) {
                // Withdrawn, files still there: this job redelivered after its trainer died half-way. It finishes.
                return;
            }
            context.model("modelId", modelId);
            for (ModelAnnouncement other : context.models().all()) {
                if (other.adapter() && modelId.equals(other.parent())) {
                    throw InvalidJobException.conflict("modelId", "adapter '" + other.modelId() + "' is applied to '"
                            + modelId + "' and needs its weights; delete the adapter first");
                }
            }
        }
    }
}
