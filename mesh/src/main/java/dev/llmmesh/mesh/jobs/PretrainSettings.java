package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainConfig;
import dev.llmmesh.mesh.Json;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns a pretrain job's {@code model} and {@code hyperparameters} into core's records: given fields overlay a
 * base, an unknown field or an impossible value is refused with the field's name. The gateway runs it on
 * submission and the trainer again before computing, with the tokenizer's real vocabulary size.
 */
public final class PretrainSettings {
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
                throw new InvalidJobException("model", "model: " + e.getMessage());
            }
        }
        if (spec.has("vocabSize") && spec.get("vocabSize").asInt() != vocabSize) {
            throw new InvalidJobException("model.vocabSize", "model.vocabSize " + spec.get("vocabSize") + " differs from the tokenizer's "
                    + vocabSize + "; leave it out to follow the tokenizer");
        }
        GptConfig base = GptConfig.named("tiny").withVocabSize(vocabSize);
        return overlay("model", base, spec, GptConfig.class);
    }

    /** Training windows are as long as the model's context unless the job says otherwise. */
    public static TrainConfig training(JsonNode spec, Long maxSteps, Long maxTokens, GptConfig model)
            throws InvalidJobException {
        TrainConfig base = TrainConfig.defaults().toBuilder().contextLength(model.contextLength())
                .stride(model.contextLength()).build();
        TrainConfig config = spec == null || spec.isNull() ? base : overlay("hyperparameters", base, spec, TrainConfig.class);
        if (maxSteps != null || maxTokens != null) {
            long steps = maxSteps != null ? maxSteps : Math.ceilDiv(maxTokens, config.tokensPerStep());
            if (steps < 1 || steps > Integer.MAX_VALUE) {
                String field = maxSteps != null ? "maxSteps" : "maxTokens";
                throw new InvalidJobException(field, field + " must give between 1 and "
                        + Integer.MAX_VALUE + " steps, got " + steps);
            }
            try {
                config = config.toBuilder().maxSteps((int) steps).build();
            } catch (IllegalArgumentException e) {
                throw new InvalidJobException("maxSteps", "maxSteps: " + e.getMessage());
            }
        }
        return config;
    }

    private static <T> T overlay(String field, T base, JsonNode spec, Class<T> type) throws InvalidJobException {
        if (!spec.isObject()) {
            throw new InvalidJobException(field, field + " must be an object of " + type.getSimpleName() + " fields");
        }
        ObjectNode merged = Json.LENIENT.valueToTree(base);
        List<String> unknown = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!merged.has(e.getKey())) {
                unknown.add(e.getKey());
            }
            merged.set(e.getKey(), e.getValue());
        }
        if (!unknown.isEmpty()) {
            List<String> known = new ArrayList<>();
            merged.fieldNames().forEachRemaining(n -> {
                if (!unknown.contains(n)) {
                    known.add(n);
                }
            });
            throw new InvalidJobException(field + "." + unknown.getFirst(), "unknown " + field + " field " + unknown + "; known fields: " + known);
        }
        try {
            return Json.STRICT.treeToValue(merged, type);
        } catch (ValueInstantiationException e) {
            throw new InvalidJobException(field, field + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage()));
        } catch (JacksonException e) {
            throw new InvalidJobException(field + pathOf(e), field + ": " + e.getOriginalMessage());
        }
    }

    /** Jackson knows which nested field a type mismatch was in. */
    private static String pathOf(JacksonException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()
                && m.getPath().getLast().getFieldName() != null) {
            return "." + m.getPath().getLast().getFieldName();
        }
        return "";
    }
}
