package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Temporary: the hyperparameters' checks until core/finetune's FinetuneConfig lands. */
final class FinetuneHyperparameters {
    static final List<String> TRAINABLE = List.of("head", "last-block", "all");
    static final List<String> FIELDS = List.of("epochs", "batchSize", "learningRate", "weightDecay", "gradClip",
            "earlyStoppingPatience");

    private FinetuneHyperparameters() {
    }

    static void check(JsonNode spec) throws InvalidJobException {
        if (spec == null || spec.isNull()) {
            return;
        }
        if (!spec.isObject()) {
            throw new InvalidJobException("hyperparameters", "hyperparameters must be an object of " + FIELDS);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.fields(); it.hasNext(); ) {
            var e = it.next();
            String field = "hyperparameters." + e.getKey();
            if (!FIELDS.contains(e.getKey())) {
                throw new InvalidJobException(field, "unknown hyperparameters field '" + e.getKey() + "'; known "
                        + "fields: " + FIELDS);
            }
            JsonNode v = e.getValue();
            boolean integer = List.of("epochs", "batchSize", "earlyStoppingPatience").contains(e.getKey());
            if (integer ? !v.isIntegralNumber() || !v.canConvertToInt() : !v.isNumber()) {
                throw new InvalidJobException(field, field + " must be " + (integer ? "an integer" : "a number")
                        + ", got " + v);
            }
            double x = v.doubleValue();
            boolean ok = switch (e.getKey()) {
                case "epochs", "batchSize" -> x >= 1 && x <= PretrainSettings.MAX_BATCH_SIZE;
                case "learningRate", "gradClip" -> x > 0 && Double.isFinite(x);
                case "weightDecay", "earlyStoppingPatience" -> x >= 0 && Double.isFinite(x);
                default -> true;
            };
            if (!ok) {
                throw new InvalidJobException(field, field + " is out of range: " + v);
            }
        }
    }
}
