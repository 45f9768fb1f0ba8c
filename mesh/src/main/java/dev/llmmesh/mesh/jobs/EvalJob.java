package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.Datasets;
import dev.llmmesh.mesh.eval.EvalParameters;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.mesh.eval.TaskDatasets;

import java.io.IOException;

/** A message on {@code llm.eval.jobs}: jobs that measure models. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public sealed interface EvalJob extends MeshJob {
    int SCHEMA_VERSION = 1;

    /**
     * Measures one model on one task. Its job id is the evaluation's id.
     *
     * @param modelId      the published model to measure
     * @param task         what to measure
     * @param datasetId    the examples (held-out text, labeled rows, references, multiple-choice rows); for the
     *                     automatic perplexity of a base model, null: the windows its training held out
     * @param suite        set by eval-service on the evaluations it starts itself ({@code default}); null for a
     *                     client's request. It decides the result's key: one figure per model and suite
     * @param maxExamples  examples scored at most (a seeded sample when the dataset has more); null for all
     * @param seed         seeds the sample of examples and any sampling
     * @param judgeModelId the served model that scores the answers, for {@code judge}
     * @param parameters   the task's own settings (stride, context, smoothing, stemming, pairwise ...)
     */
    record Evaluate(Integer schemaVersion, String jobId, String modelId, EvalTask task, String datasetId, String suite,
                    Integer maxExamples, Long seed, String judgeModelId, JsonNode parameters) implements EvalJob {
        public static final JobType<Evaluate> TYPE = JobType.submitted("evaluate", Evaluate.class,
                Topics.EVAL_JOBS, true);

        public Evaluate {
            schemaVersion = SchemaVersions.check(schemaVersion, SCHEMA_VERSION);
            Ids.require("jobId", jobId);
            Ids.require("modelId", modelId);
            if (task == null) {
                throw new IllegalArgumentException("task is required; one of " + EvalTask.names());
            }
            if (datasetId != null) {
                Ids.require("datasetId", datasetId);
            }
            if (maxExamples != null && maxExamples <= 0) {
                throw new IllegalArgumentException("maxExamples must be positive, got " + maxExamples);
            }
            if (task == EvalTask.JUDGE) {
                Ids.require("judgeModelId", judgeModelId);
            } else if (judgeModelId != null) {
                throw new IllegalArgumentException("judgeModelId is only for task judge");
            }
        }

        @Override
        public String jobType() {
            return TYPE.name();
        }

        @Override
        public void validate(JobContext context) throws InvalidJobException {
            // What the job names first (the models), then how it asks (parameters), then what it reads.
            ModelAnnouncement model = context.model("modelId", modelId);
            if (judgeModelId != null) {
                context.model("judgeModelId", judgeModelId);
            }
            EvalParameters checked = EvalParameters.check(task, parameters, contextLength(model));
            if (checked.baselineModelId() != null) {
                context.model("parameters.baselineModelId", checked.baselineModelId());
            }
            if (datasetId == null) {
                heldOutWindows(model);
            } else {
                context.dataset("datasetId", datasetId);
                DatasetFormat format = format(context, datasetId);
                if (!TaskDatasets.formats(task).contains(format)) {
                    throw new InvalidJobException("datasetId", "dataset '" + datasetId + "' is " + format.apiName()
                            + "; task " + task.wireName() + " reads " + TaskDatasets.names(task));
                }
            }
        }

        /** Without a dataset only a base model's own held-out windows can be scored, and they fix the windows. */
        private void heldOutWindows(ModelAnnouncement model) throws InvalidJobException {
            if (task != EvalTask.PERPLEXITY) {
                throw new InvalidJobException("datasetId", "task " + task.wireName() + " needs a datasetId ("
                        + TaskDatasets.names(task) + ")");
            }
            if (model.validation() == null) {
                throw new InvalidJobException("datasetId", "model '" + modelId + "' published no validation windows;"
                        + " give a datasetId (" + TaskDatasets.names(task) + ") to measure its perplexity on");
            }
            if (parameters != null && parameters.size() > 0) {
                String name = parameters.fieldNames().next();
                throw new InvalidJobException("parameters." + name, "the model's validation windows fix the context"
                        + " and stride; give a datasetId to choose " + name);
            }
        }

        /** The model's context length (GptConfig's {@code contextLength}). */
        public static int contextLength(ModelAnnouncement model) {
            Object context = model.config() == null ? null : model.config().get("contextLength");
            return context instanceof Number n ? n.intValue() : Integer.MAX_VALUE;
        }

        private static DatasetFormat format(JobContext context, String datasetId) throws InvalidJobException {
            try {
                return new Datasets(context.artifacts()).find(datasetId).orElseThrow(() -> new InvalidJobException(
                        "datasetId", "no dataset '" + datasetId + "'")).datasetFormat();
            } catch (IOException e) {
                throw new InvalidJobException("datasetId", "dataset '" + datasetId + "' cannot be read: "
                        + e.getMessage());
            }
        }
    }
}
