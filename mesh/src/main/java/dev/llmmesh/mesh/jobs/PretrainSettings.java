package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainConfig;
import dev.llmmesh.core.train.TrainingMemory;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns a pretrain job's {@code shape} and {@code hyperparameters} into core's records: given fields overlay a
 * base, an unknown field or an impossible value is refused with the field's name. The gateway runs it on
 * submission and the trainer again before computing, with the tokenizer's real vocabulary size: the one place
 * the rules of a pretrain job live.
 */
public final class PretrainSettings {
    /*
     * Bounds of sanity, not of capacity (TrainingMemory and the trainer's budget decide what fits): each is far
     * beyond any model this mesh trains, so a value past one is a typo (10^6 for 1024), refused before anything
     * is allocated or multiplied into an overflow.
     */
    public static final int MAX_EMBED_DIM = 16_384;
    public static final int MAX_LAYERS = 256;
    public static final int MAX_CONTEXT_LENGTH = 32_768;
    public static final int MAX_BATCH_SIZE = 65_536;
    public static final int MAX_GRAD_ACCUMULATION = 65_536;

    private PretrainSettings() {
    }

    public static GptConfig model(JsonNode spec, int vocabSize) throws InvalidJobException {
        if (spec == null || spec.isNull()) {
            return GptConfig.named("tiny").withVocabSize(vocabSize);
        }
        if (spec.isTextual()) {
            try {
                return GptConfig.named(spec.textValue()).withVocabSize(vocabSize);
            } catch (IllegalArgumentException e) {
                throw new InvalidJobException("shape", "shape: " + e.getMessage());
            }
        }
        if (spec.has("vocabSize") && spec.get("vocabSize").asInt() != vocabSize) {
            throw new InvalidJobException("shape.vocabSize", "shape.vocabSize " + spec.get("vocabSize") + " differs from the tokenizer's "
                    + vocabSize + "; leave it out to follow the tokenizer");
        }
        GptConfig base = GptConfig.named("tiny").withVocabSize(vocabSize);
        GptConfig model = overlay("shape", base, spec, GptConfig.class);
        atMost("shape.embedDim", model.embedDim(), MAX_EMBED_DIM);
        atMost("shape.layers", model.layers(), MAX_LAYERS);
        atMost("shape.contextLength", model.contextLength(), MAX_CONTEXT_LENGTH);
        return model;
    }

    /**
     * The shape of a run that continues a published model: the base's own. Only a full-precision language model
     * trained with the job's tokenizer can be trained further.
     */
    public static GptConfig continued(ModelAnnouncement base, String tokenizerId) throws InvalidJobException {
        String id = "model '" + base.modelId() + "'";
        if (base.adapter()) {
            throw new InvalidJobException("baseModelId", id + " is an adapter; continue from its base '"
                    + base.parent() + "'");
        }
        if (base.quantization() != null) {
            throw new InvalidJobException("baseModelId", id + " has " + base.quantization() + " weights, which do "
                    + "not train; continue from the full-precision model it was made from");
        }
        if (base.kind() == ModelKind.CLASSIFIER) {
            throw new InvalidJobException("baseModelId", id + " is a classifier: its head predicts labels, not the "
                    + "next token; continue from the model it was fine-tuned from");
        }
        if (!tokenizerId.equals(base.tokenizerId())) {
            throw new InvalidJobException("tokenizerId", id + " was trained with tokenizer '" + base.tokenizerId()
                    + "'; a run that continues it must use the same tokenizerId");
        }
        try {
            return Json.LENIENT.convertValue(base.config(), GptConfig.class);
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("baseModelId", id + " has no usable shape in its record: "
                    + e.getMessage());
        }
    }

    /**
     * Training windows are as long as the model's context unless the job says otherwise. A warmup the job does
     * not set is {@link TrainConfig#defaultWarmupSteps} of the run's real length, which is only known once
     * {@code maxSteps} or {@code maxTokens} is applied; one it sets must fit in the run.
     */
    public static TrainConfig training(JsonNode spec, Long maxSteps, Long maxTokens, GptConfig model)
            throws InvalidJobException {
        boolean warmupGiven = spec != null && spec.isObject() && spec.has("warmupSteps");
        // 0 fits any length: the default is put in below, when the length is known
        TrainConfig base = TrainConfig.defaults().toBuilder().contextLength(model.contextLength())
                .stride(model.contextLength()).warmupSteps(0).build();
        TrainConfig config = spec == null || spec.isNull() ? base : overlay("hyperparameters", base, spec, TrainConfig.class);
        if (maxSteps != null || maxTokens != null) {
            long steps = maxSteps != null ? maxSteps : Math.ceilDiv(maxTokens, config.tokensPerStep());
            if (steps < 1 || steps > Integer.MAX_VALUE) {
                String field = maxSteps != null ? "maxSteps" : "maxTokens";
                throw new InvalidJobException(field, field + " must give between 1 and "
                        + Integer.MAX_VALUE + " steps, got " + steps);
            }
            config = rebuild(config.toBuilder().maxSteps((int) steps));
        }
        if (!warmupGiven) {
            config = rebuild(config.toBuilder().warmupSteps(TrainConfig.defaultWarmupSteps(config.maxSteps())));
        }
        if (config.contextLength() > model.contextLength()) {
            throw new InvalidJobException("hyperparameters.contextLength", "hyperparameters.contextLength "
                    + config.contextLength() + " is longer than the model's position table (shape.contextLength "
                    + model.contextLength() + "); lower it or give the shape a longer context");
        }
        atMost("hyperparameters.batchSize", config.batchSize(), MAX_BATCH_SIZE);
        atMost("hyperparameters.gradAccumulation", config.gradAccumulation(), MAX_GRAD_ACCUMULATION);
        return config;
    }

    /**
     * Refuses a run that would not fit in {@code capacityBytes}, with the numbers. The field named is what to
     * change: the model when its weights and optimizer state alone do not fit, else the batch.
     *
     * @param capacity where the capacity comes from, e.g. the property that sets it
     */
    public static TrainingMemory fits(GptConfig model, TrainConfig training, long capacityBytes, String capacity)
            throws InvalidJobException {
        TrainingMemory need = TrainingMemory.of(model, training);
        if (need.totalBytes() <= capacityBytes) {
            return need;
        }
        String field = need.stateBytes() > capacityBytes ? "shape" : "hyperparameters.batchSize";
        throw new InvalidJobException(field, "the job needs ~" + TrainingMemory.readable(need.totalBytes())
                + " (weights, gradients and AdamW moments of " + need.parameters() + " parameters "
                + TrainingMemory.readable(need.stateBytes()) + ", activations of batchSize " + training.batchSize()
                + " x contextLength " + training.contextLength() + " " + TrainingMemory.readable(need.activationBytes())
                + "), this trainer can use " + TrainingMemory.readable(capacityBytes) + " (" + capacity + "); lower "
                + "hyperparameters.batchSize or hyperparameters.contextLength, or use a smaller model");
    }

    private static void atMost(String field, int value, int max) throws InvalidJobException {
        if (value > max) {
            throw new InvalidJobException(field, field + " must be at most " + max + ", got " + value);
        }
    }

    /** TrainConfig's own checks, their message naming the hyperparameter as the job spells it. */
    private static TrainConfig rebuild(TrainConfig.Builder builder) throws InvalidJobException {
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw invalid("hyperparameters", e.getMessage(), TrainConfig.class);
        }
    }

    static <T> T overlay(String field, T base, JsonNode spec, Class<T> type) throws InvalidJobException {
        if (!spec.isObject()) {
            throw new InvalidJobException(field, field + " must be an object of " + type.getSimpleName() + " fields");
        }
        ObjectNode merged = Json.LENIENT.valueToTree(base);
        // The record's components, not the tree's fields: the mapper leaves a null default (an optional setting
        // that is off) out of the tree, and such a field must still be settable.
        List<String> known = new ArrayList<>();
        for (var component : type.getRecordComponents()) {
            known.add(component.getName());
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!known.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
            merged.set(e.getKey(), e.getValue());
        }
        if (!unknown.isEmpty()) {
            throw new InvalidJobException(field + "." + unknown.getFirst(), "unknown " + field + " field " + unknown + "; known fields: " + known);
        }
        try {
            return Json.STRICT.treeToValue(merged, type);
        } catch (ValueInstantiationException e) {
            throw invalid(field, e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage(), type);
        } catch (JsonMappingException e) {
            String nested = JobMessages.fieldOf(e);
            String named = nested == null ? field : field + "." + nested;
            throw new InvalidJobException(named, named + ": " + JobMessages.reason(e, merged));
        } catch (JacksonException e) {
            throw new InvalidJobException(field, field + ": " + e.getOriginalMessage());
        }
    }

    /**
     * core's records check in their constructors with messages that start with the field's name ("batchSize must
     * be positive"), so the first word names the field when it is one of {@code type}'s.
     */
    private static InvalidJobException invalid(String prefix, String reason, Class<?> type) {
        String first = reason == null ? "" : reason.split("[^A-Za-z0-9_]", 2)[0];
        for (var component : type.getRecordComponents()) {
            if (component.getName().equals(first)) {
                return new InvalidJobException(prefix + "." + first, prefix + "." + reason);
            }
        }
        return new InvalidJobException(prefix, prefix + ": " + reason);
    }

}
