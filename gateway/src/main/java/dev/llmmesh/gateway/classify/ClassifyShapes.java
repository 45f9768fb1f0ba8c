package dev.llmmesh.gateway.classify;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/** {@code /v1/classify}'s request as the OpenAPI document describes it, and its answer. */
final class ClassifyShapes {
    private ClassifyShapes() {
    }

    @Schema(name = "ClassifyRequest", description = "texts for a classifier model (kind classifier) to label")
    record Request(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "spam-classifier",
                    description = "a published classifier's id (GET /v1/models, kind classifier)")
            String model,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "You have won a prize! Call now.",
                    oneOf = {String.class, String[].class},
                    description = "a non-empty text, or an array of 1 to " + ClassifyRequest.MAX_INPUTS
                            + " non-empty texts labeled in one batch")
            Object input) {
    }

    @Schema(name = "Classifications")
    record Answer(@Schema(example = "list") String object, String model, List<Item> data, Usage usage) {
    }

    /**
     * @param probabilities every label's probability, in the order of the model's labels
     * @param tokens        tokens the model read
     * @param truncated     the text was longer than the classifier's maximum length and only its first tokens
     *                      were read, as in training
     */
    @Schema(name = "Classification")
    record Item(int index, String label, Map<String, Float> probabilities, int tokens, boolean truncated) {
    }

    record Usage(@JsonProperty("prompt_tokens") int promptTokens) {
    }
}
