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

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
     * Fine-tunes a published base model into a classifier of a {@code jsonl-labeled} dataset's labels: the LM head
     * replaced by a head over the labels, read at the last real token or over the mean of the real tokens. See
     * {@link FinetuneSettings} for the rules.
     *
     * @param modelId             id of the published classifier; defaults to the job id
     * @param baseModelId         a published full-precision base model (not an adapter, classifier or chat model)
     * @param datasetId           a {@code jsonl-labeled} dataset
     * @param labels              the class names in the head's order; default the distinct labels of the data, sorted
     * @param balance             down-sample every label to the rarest's count (seeded) before splitting; default true
     * @param validationDatasetId with {@code testDatasetId}: explicit held-out datasets instead of a split
     * @param splits              fractions {@code train}, {@code validation}, {@code test} of the stratified split;
     *                            default 0.7 / 0.1 / 0.2
     * @param seed                of the split, the balancing, the head's initialization and the shuffling; default 42
     * @param maxLength           tokens read of an example (truncate, pad); default the longest example's, capped
     *                            by the base model's context
     * @param trainable           {@code head}, {@code last-block} (default) or {@code all}
     * @param pooling             what the head reads: {@code last} (default; the last real token, as HuggingFace's
     *                            {@code GPT2ForSequenceClassification}) or {@code mean} (of the real tokens' states)
     * @param truncation          which {@code maxLength} tokens of a longer example are read: {@code head} (default;
     *                            the first) or {@code head-tail} (the first half and the last half)
     * @param hyperparameters     FinetuneConfig fields but trainable and seed; left-out ones take its defaults
     */
    record FinetuneClassifier(Integer schemaVersion, String jobId, String modelId, String baseModelId,
                              String datasetId, List<String> labels, Boolean balance,
                              String validationDatasetId, String testDatasetId,
                              Map<String, Double> splits, Long seed, Integer maxLength, String trainable,
                              String pooling, String truncation, JsonNode hyperparameters) implements TrainerJob {
        public static final JobType<FinetuneClassifier> TYPE = JobType.submitted("finetune-classifier",
                FinetuneClassifier.class, Topics.TRAINER_JOBS, true);

        public FinetuneClassifier {
            schemaVersion = SchemaVersions.check(schemaVersion, SCHEMA_VERSION);
            Ids.require("jobId", jobId);
            modelId = Ids.require("modelId", modelId == null ? jobId : modelId);
            if (baseModelId == null) {
                throw new IllegalArgumentException("baseModelId is required: the published base model to fine-tune");
            }
            Ids.require("baseModelId", baseModelId);
            if (datasetId == null) {
                throw new IllegalArgumentException("datasetId is required: a jsonl-labeled dataset");
            }
            Ids.require("datasetId", datasetId);
            labels = labels == null ? null : List.copyOf(labels);
            balance = balance == null || balance;
            if (validationDatasetId != null) {
                Ids.require("validationDatasetId", validationDatasetId);
            }
            if (testDatasetId != null) {
                Ids.require("testDatasetId", testDatasetId);
            }
            splits = splits == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(splits));
            seed = seed == null ? FinetuneSettings.DEFAULT_SEED : seed;
            trainable = trainable == null ? FinetuneSettings.DEFAULT_TRAINABLE : trainable;
            pooling = pooling == null ? FinetuneSettings.DEFAULT_POOLING : pooling;
            truncation = truncation == null ? FinetuneSettings.DEFAULT_TRUNCATION : truncation;
        }

        @Override
        public String jobType() {
            return TYPE.name();
        }

        @Override
        public void validate(JobContext context) throws InvalidJobException {
            context.newModel("modelId", modelId, jobId);
            FinetuneSettings.Plan plan = FinetuneSettings.plan(this, context);
            var budget = context.trainerMemory().budget();
            if (budget.isPresent()) {
                FinetuneSettings.fits(plan, maxLength, budget.get().bytes(), budget.get().source());
            }
        }

        /** Whether the job names its validation and test datasets instead of splitting its dataset. */
        public boolean explicitSplits() {
            return validationDatasetId != null || testDatasetId != null;
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
