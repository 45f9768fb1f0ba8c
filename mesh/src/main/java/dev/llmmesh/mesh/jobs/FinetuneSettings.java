package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.finetune.FinetuneConfig;
import dev.llmmesh.core.finetune.FinetuneMemory;
import dev.llmmesh.core.finetune.Pooling;
import dev.llmmesh.core.finetune.Trainable;
import dev.llmmesh.core.finetune.Truncation;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainingMemory;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.DatasetInfo;
import dev.llmmesh.mesh.datasets.DatasetLabels;
import dev.llmmesh.mesh.datasets.DatasetRows;
import dev.llmmesh.mesh.datasets.DatasetSplits;
import dev.llmmesh.mesh.datasets.Datasets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The rules of a {@code finetune-classifier} job, checked by the gateway before its 202 and by the trainer before any
 * work, against the models and datasets as they are: every refusal names the job's field. What passes is a
 * {@link Plan}, which the trainer runs as it is.
 */
public final class FinetuneSettings {
    public static final long DEFAULT_SEED = 42;
    public static final String DEFAULT_TRAINABLE = Trainable.DEFAULT.wireName();
    public static final String DEFAULT_POOLING = Pooling.DEFAULT.wireName();
    public static final String DEFAULT_TRUNCATION = Truncation.DEFAULT.wireName();
    /** The book's split (chapter 6): 70% train, 10% validation, 20% test. */
    public static final Map<String, Double> DEFAULT_SPLITS = splits(0.7, 0.1, 0.2);
    public static final List<String> SPLIT_NAMES = List.of("train", "validation", "test");

    private FinetuneSettings() {
    }

    /**
     * What the run does, as validation found it.
     *
     * @param base          the published base model
     * @param contextLength the base model's context, the most {@code maxLength} may be
     * @param labels        the class names in the head's order
     * @param labelCounts   rows per label of the job's dataset (before balancing)
     * @param splits        the fractions of the stratified split; null when the job names its validation and test
     *                      datasets
     * @param training      the job's hyperparameters over FinetuneConfig's defaults, with its trainable and seed
     * @param pooling       what the classifier's head reads
     * @param truncation    which tokens of a longer example the classifier reads
     */
    public record Plan(ModelAnnouncement base, int contextLength, List<String> labels, Map<String, Long> labelCounts,
                       Map<String, Double> splits, FinetuneConfig training, Pooling pooling, Truncation truncation) {
    }

    /**
     * The job's {@code hyperparameters} over {@link FinetuneConfig#defaults()}; {@code trainable} and {@code seed}
     * are the job's own fields, so giving them here is refused rather than one silently winning.
     */
    public static FinetuneConfig training(JsonNode hyperparameters, Trainable trainable, long seed)
            throws InvalidJobException {
        FinetuneConfig base = FinetuneConfig.defaults().toBuilder().trainable(trainable).seed(seed).build();
        if (hyperparameters == null || hyperparameters.isNull()) {
            return base;
        }
        for (String own : List.of("trainable", "seed")) {
            if (hyperparameters.has(own)) {
                throw new InvalidJobException("hyperparameters." + own, "give " + own + " at the job's top level, "
                        + "not in hyperparameters");
            }
        }
        return PretrainSettings.overlay("hyperparameters", base, hyperparameters, FinetuneConfig.class);
    }

    public static Plan plan(TrainerJob.FinetuneClassifier job, JobContext context) throws InvalidJobException {
        ModelAnnouncement base = base(context, job.baseModelId());
        int contextLength = contextLength(base);
        Trainable trainable;
        try {
            trainable = Trainable.of(job.trainable());
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("trainable", e.getMessage());
        }
        Pooling pooling;
        try {
            pooling = Pooling.of(job.pooling());
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("pooling", e.getMessage());
        }
        Truncation truncation;
        try {
            truncation = Truncation.of(job.truncation());
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("truncation", e.getMessage());
        }
        if (job.maxLength() != null && (job.maxLength() < 1 || job.maxLength() > contextLength)) {
            throw new InvalidJobException("maxLength", "maxLength must be between 1 and the base model's context ("
                    + contextLength + "), got " + job.maxLength());
        }
        Map<String, Double> splits = splits(job);
        Datasets datasets = new Datasets(context.artifacts());
        Map<String, Long> counts = labelCounts(datasets, "datasetId", job.datasetId());
        List<String> labels = labels(job.labels(), counts, job.datasetId());
        if (job.explicitSplits()) {
            for (String field : List.of("validationDatasetId", "testDatasetId")) {
                String id = field.equals("testDatasetId") ? job.testDatasetId() : job.validationDatasetId();
                for (String label : labelCounts(datasets, field, id).keySet()) {
                    if (!labels.contains(label)) {
                        throw new InvalidJobException(field, "dataset '" + id + "' has label '" + label + "', which "
                                + "is not among the labels " + labels + " of the training data");
                    }
                }
            }
        }
        Map<String, Long> source = job.balance() ? balanced(counts) : counts;
        long trainRows = source.values().stream().mapToLong(Long::longValue).sum();
        if (!job.explicitSplits()) {
            try {
                int train = List.copyOf(splits.keySet()).indexOf("train");
                trainRows = DatasetSplits.stratifiedSizes(job.datasetId(), source, splits).values().stream()
                        .mapToLong(sizes -> sizes[train]).sum();
            } catch (IllegalArgumentException e) {
                throw new InvalidJobException("splits", e.getMessage()
                        + (job.balance() ? " (after balancing to " + balanced(counts).values().iterator().next()
                        + " rows per label)" : ""));
            }
        }
        FinetuneConfig training = training(job.hyperparameters(), trainable, job.seed());
        long steps = training.epochs() * ((trainRows + training.batchSize() - 1) / training.batchSize());
        if (training.warmupSteps() > steps) {
            // The trainer would refuse it only after balancing, splitting and encoding; say it before the 202.
            throw new InvalidJobException("hyperparameters.warmupSteps", "warmupSteps " + training.warmupSteps()
                    + " exceeds the run's " + steps + " steps (" + training.epochs() + " epochs of " + trainRows
                    + " training rows in batches of " + training.batchSize() + ")");
        }
        return new Plan(base, contextLength, labels, counts, splits, training, pooling, truncation);
    }

    /**
     * Refuses a fine-tune that would not fit in {@code capacityBytes}, with the numbers, naming what to change: the
     * base when its weights alone do not fit, {@code trainable} when the optimizer state of what trains does not,
     * else the batch.
     *
     * @param maxLength the job's maxLength; null counts the base's context, the most its default can be
     * @param capacity  where the capacity comes from, e.g. the property that sets it
     */
    public static TrainingMemory fits(Plan plan, Integer maxLength, long capacityBytes, String capacity)
            throws InvalidJobException {
        GptConfig shape;
        try {
            shape = Json.LENIENT.convertValue(plan.base().config(), GptConfig.class);
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("baseModelId", "model '" + plan.base().modelId() + "' has no usable "
                    + "shape in its record: " + e.getMessage());
        }
        FinetuneConfig training = plan.training();
        int length = maxLength == null ? plan.contextLength() : maxLength;
        TrainingMemory need = FinetuneMemory.of(shape, plan.labels().size(), training.trainable(),
                training.batchSize(), length);
        if (need.totalBytes() <= capacityBytes) {
            return need;
        }
        long weights = (long) ((double) shape.parameterCount() * Float.BYTES);
        String field = weights > capacityBytes ? "baseModelId"
                : need.stateBytes() > capacityBytes ? "trainable" : "hyperparameters.batchSize";
        throw new InvalidJobException(field, "the fine-tune needs ~" + TrainingMemory.readable(need.totalBytes())
                + " (the base's weights and the gradients and AdamW moments of the " + need.parameters() + " "
                + training.trainable() + " parameters " + TrainingMemory.readable(need.stateBytes())
                + ", activations of batchSize " + training.batchSize() + " x maxLength " + length
                + (maxLength == null ? " (the base's context, the most the default can be)" : "") + " "
                + TrainingMemory.readable(need.activationBytes()) + "), this trainer can use "
                + TrainingMemory.readable(capacityBytes) + " (" + capacity + "); lower hyperparameters.batchSize or "
                + "maxLength, train less (trainable head or last-block), or fine-tune a smaller base");
    }

    private static ModelAnnouncement base(JobContext context, String baseModelId) throws InvalidJobException {
        ModelAnnouncement base = context.model("baseModelId", baseModelId);
        String id = "model '" + baseModelId + "'";
        if (base.adapter()) {
            throw new InvalidJobException("baseModelId", id + " is an adapter; fine-tune its base '" + base.parent()
                    + "'");
        }
        if (base.kind() != ModelKind.BASE) {
            throw new InvalidJobException("baseModelId", id + " is a " + base.kind().wireName() + " model; a "
                    + "classifier is fine-tuned from a base (language) model");
        }
        if (base.quantization() != null) {
            throw new InvalidJobException("baseModelId", id + " has " + base.quantization() + " weights, which do "
                    + "not train; fine-tune the full-precision model it was made from");
        }
        return base;
    }

    private static int contextLength(ModelAnnouncement base) throws InvalidJobException {
        Object value = base.config() == null ? null : base.config().get("contextLength");
        if (!(value instanceof Number n) || n.intValue() < 1) {
            throw new InvalidJobException("baseModelId", "model '" + base.modelId() + "' has no contextLength in its "
                    + "record");
        }
        return n.intValue();
    }

    private static Map<String, Double> splits(TrainerJob.FinetuneClassifier job) throws InvalidJobException {
        if (job.explicitSplits()) {
            if (job.validationDatasetId() == null || job.testDatasetId() == null) {
                String missing = job.validationDatasetId() == null ? "validationDatasetId" : "testDatasetId";
                throw new InvalidJobException(missing, "give validationDatasetId and testDatasetId together, or "
                        + "neither to split datasetId; " + missing + " is missing");
            }
            if (job.splits() != null) {
                throw new InvalidJobException("splits", "splits must be left out when validationDatasetId and "
                        + "testDatasetId are given");
            }
            return null;
        }
        Map<String, Double> splits = job.splits() == null ? DEFAULT_SPLITS : job.splits();
        if (!Set.copyOf(SPLIT_NAMES).equals(new HashSet<>(splits.keySet()))) {
            throw new InvalidJobException("splits", "splits must give fractions for exactly " + SPLIT_NAMES + ", got "
                    + splits.keySet());
        }
        Map<String, Double> ordered = new LinkedHashMap<>();
        SPLIT_NAMES.forEach(name -> ordered.put(name, splits.get(name)));
        try {
            DatasetSplits.check(ordered);
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("splits", e.getMessage());
        }
        return Collections.unmodifiableMap(ordered);
    }

    private static Map<String, Long> labelCounts(Datasets datasets, String field, String datasetId)
            throws InvalidJobException {
        try {
            DatasetRows rows = datasets.rows(datasetId).orElseThrow(() -> new InvalidJobException(field, "no dataset '"
                    + datasetId + "'; upload one with POST /v1/datasets?format=jsonl-labeled (GET /v1/datasets lists "
                    + "them)"));
            DatasetInfo info = rows.info();
            if (info.datasetFormat() != DatasetFormat.JSONL_LABELED) {
                throw new InvalidJobException(field, "dataset '" + datasetId + "' is " + info.format() + "; a "
                        + "classifier trains on " + DatasetFormat.JSONL_LABELED.apiName() + " rows "
                        + DatasetFormat.JSONL_LABELED.schema());
            }
            return DatasetLabels.count(rows);
        } catch (JacksonException | IllegalArgumentException e) {
            // rows the upload checked no longer read: the stored dataset is damaged, which no retry mends
            throw new InvalidJobException(field, "dataset '" + datasetId + "' has a row that does not read as "
                    + DatasetFormat.JSONL_LABELED.apiName() + " (" + e.getMessage() + "); upload it again");
        } catch (IOException e) {
            throw new JobInputUnavailableException(field, "dataset '" + datasetId + "' could not be read", e);
        }
    }

    private static List<String> labels(List<String> given, Map<String, Long> counts, String datasetId)
            throws InvalidJobException {
        if (given == null) {
            if (counts.size() < 2) {
                throw new InvalidJobException("datasetId", "dataset '" + datasetId + "' has " + counts.size()
                        + " label(s) " + counts.keySet() + "; a classifier needs at least 2");
            }
            return List.copyOf(counts.keySet());
        }
        if (given.size() < 2) {
            throw new InvalidJobException("labels", "labels must name at least 2 classes, got " + given);
        }
        Set<String> seen = new HashSet<>();
        for (String label : given) {
            if (label == null || label.isEmpty()) {
                throw new InvalidJobException("labels", "labels must be non-empty strings, got " + given);
            }
            if (!seen.add(label)) {
                throw new InvalidJobException("labels", "label '" + label + "' is given twice in " + given);
            }
            if (!counts.containsKey(label)) {
                throw new InvalidJobException("labels", "label '" + label + "' does not occur in dataset '" + datasetId
                        + "', whose labels are " + counts.keySet());
            }
        }
        List<String> unlisted = new ArrayList<>(counts.keySet());
        unlisted.removeAll(given);
        if (!unlisted.isEmpty()) {
            throw new InvalidJobException("labels", "dataset '" + datasetId + "' has labels " + unlisted + " that "
                    + "labels " + given + " leaves out; list every label of the data");
        }
        return List.copyOf(given);
    }

    /** Every label at the rarest's count, as balancing leaves them. */
    public static Map<String, Long> balanced(Map<String, Long> counts) {
        long min = counts.values().stream().mapToLong(Long::longValue).min().orElse(0);
        Map<String, Long> balanced = new TreeMap<>();
        counts.keySet().forEach(label -> balanced.put(label, min));
        return balanced;
    }

    private static Map<String, Double> splits(double train, double validation, double test) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("train", train);
        m.put("validation", validation);
        m.put("test", test);
        return Collections.unmodifiableMap(m);
    }
}
