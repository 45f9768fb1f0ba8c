package dev.llmmesh.mesh.inference;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a classifier labeled one input of a {@link ClassifyRequest}: {@code /v1/classify}'s item as it is answered.
 *
 * @param index         the input's position in the request
 * @param label         the likeliest label
 * @param probabilities each label's probability (softmax of the head), in the order of the model's labels
 * @param tokens        tokens the model read (after truncation)
 * @param truncated     whether the input was longer than the classifier's maximum length and cut to it
 */
public record Classification(int index, String label, Map<String, Float> probabilities, int tokens,
                             boolean truncated) {
    public Classification {
        // Kept in the head's order: a reader sees the labels as the model lists them.
        probabilities = Collections.unmodifiableMap(new LinkedHashMap<>(probabilities));
    }
}
