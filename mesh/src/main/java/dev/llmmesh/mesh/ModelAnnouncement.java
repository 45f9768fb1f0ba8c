package dev.llmmesh.mesh;

import com.fasterxml.jackson.annotation.JsonAlias;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A published model on {@link Topics#MODELS} (compacted, key = modelId): what it is and where its files are.
 * Schema 2 added {@code kind}, {@code adapter}, {@code quantization}, {@code datasets} and renamed
 * {@code parentModel} to {@code parent}; a schema-1 record still reads (the topic keeps records forever): its kind is
 * {@code base}, it is no adapter, unquantized, with no datasets named.
 *
 * @param kind         what the model does; {@link ModelKind#BASE} when absent
 * @param parent       the model it came from (for an adapter: its base), null for a model trained from scratch
 * @param adapter      whether it holds only an adapter's weights on top of {@code parent}
 * @param quantization null for full-precision weights, else {@value #INT8}
 * @param config       the model's shape (GptConfig's fields)
 * @param artifact     artifact-store prefix holding {@code model.safetensors} and {@code config.json}
 * @param datasets     the datasets it was trained on by split name ({@code train}, {@code validation}, ...)
 * @param validation   the held-out windows its training measured its validation loss on (null when it measured
 *                     none): eval-service scores the same windows, so its perplexity and the trainer's loss agree
 * @param metrics      final numbers of its training run (loss, validation loss, steps, tokens)
 * @param labels       a classifier's class names, in the order of its head's outputs (index i is label i); empty for
 *                     every other kind
 */
public record ModelAnnouncement(String type, int schemaVersion, String modelId, ModelKind kind,
                                @JsonAlias("parentModel") String parent, boolean adapter, String quantization,
                                Map<String, Object> config, String tokenizerId, String artifact, String jobId,
                                Map<String, String> datasets, ValidationWindows validation,
                                Map<String, Double> metrics, Instant createdAt, List<String> labels) {
    public static final String TYPE = "model";
    /** 2 since {@code kind}/{@code parent}; readers take 1 and 2. */
    public static final int SCHEMA_VERSION = 2;
    public static final String INT8 = "int8";

    public ModelAnnouncement {
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("a model announcement needs a modelId");
        }
        kind = kind == null ? ModelKind.BASE : kind;
        if (quantization != null && !INT8.equals(quantization)) {
            throw new IllegalArgumentException("quantization must be null or '" + INT8 + "', got '" + quantization
                    + "'");
        }
        if (adapter && parent == null) {
            throw new IllegalArgumentException("adapter " + modelId + " needs its base model as parent");
        }
        datasets = datasets == null ? Map.of() : datasets;
        metrics = metrics == null ? Map.of() : metrics;
        labels = labels == null ? List.of() : List.copyOf(labels);
        if (kind != ModelKind.CLASSIFIER && !labels.isEmpty()) {
            throw new IllegalArgumentException("only a classifier has labels; " + modelId + " is " + kind.wireName());
        }
    }

    /** A full-precision base model: the common case; {@code with...} changes the rest. */
    public static ModelAnnouncement base(String modelId, Map<String, Object> config, String tokenizerId,
                                         String artifact, String jobId, Map<String, Double> metrics,
                                         Instant createdAt) {
        return new ModelAnnouncement(TYPE, SCHEMA_VERSION, modelId, ModelKind.BASE, null, false, null, config,
                tokenizerId, artifact, jobId, Map.of(), null, metrics, createdAt, List.of());
    }

    public ModelAnnouncement withKind(ModelKind kind) {
        return new ModelAnnouncement(type, schemaVersion, modelId, kind, parent, adapter, quantization, config,
                tokenizerId, artifact, jobId, datasets, validation, metrics, createdAt, labels);
    }

    /** A classifier with these class names (index i of its head is {@code labels.get(i)}). */
    public ModelAnnouncement asClassifier(List<String> labels) {
        return new ModelAnnouncement(type, schemaVersion, modelId, ModelKind.CLASSIFIER, parent, adapter,
                quantization, config, tokenizerId, artifact, jobId, datasets, validation, metrics, createdAt, labels);
    }

    public ModelAnnouncement withParent(String parent) {
        return new ModelAnnouncement(type, schemaVersion, modelId, kind, parent, adapter, quantization, config,
                tokenizerId, artifact, jobId, datasets, validation, metrics, createdAt, labels);
    }

    /** An adapter on top of {@code base}. */
    public ModelAnnouncement asAdapterOf(String base) {
        return new ModelAnnouncement(type, schemaVersion, modelId, kind, base, true, quantization, config,
                tokenizerId, artifact, jobId, datasets, validation, metrics, createdAt, labels);
    }

    public ModelAnnouncement withQuantization(String quantization) {
        return new ModelAnnouncement(type, schemaVersion, modelId, kind, parent, adapter, quantization, config,
                tokenizerId, artifact, jobId, datasets, validation, metrics, createdAt, labels);
    }

    /** @param datasets split name to dataset id, e.g. {@code {"train": "ds-x", "validation": "ds-y"}} */
    public ModelAnnouncement withDatasets(Map<String, String> datasets) {
        return new ModelAnnouncement(type, schemaVersion, modelId, kind, parent, adapter, quantization, config,
                tokenizerId, artifact, jobId, datasets, validation, metrics, createdAt, labels);
    }

    public ModelAnnouncement withValidation(ValidationWindows validation) {
        return new ModelAnnouncement(type, schemaVersion, modelId, kind, parent, adapter, quantization, config,
                tokenizerId, artifact, jobId, datasets, validation, metrics, createdAt, labels);
    }

    /**
     * Held-out token windows: window {@code i} is the {@code contextLength + 1} tokens of the dataset's token stream
     * (under {@code tokenizerId}) starting at {@code startToken + i * stride}, for {@code i < windows}.
     */
    public record ValidationWindows(String datasetId, String tokenizerId, long startToken, int windows,
                                    int contextLength, int stride) {
    }
}
