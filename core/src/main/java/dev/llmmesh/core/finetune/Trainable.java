package dev.llmmesh.core.finetune;

import ai.djl.ndarray.NDArray;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptLayout;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Which of a classifier's parameters a fine-tune updates; the others stay bit-identical. The book's choice, and the
 * default, is {@link #LAST_BLOCK}: the last transformer block, the final LayerNorm and the head, the part nearest the
 * new task; earlier blocks hold general features that a few thousand examples would mostly disturb.
 */
public enum Trainable {
    /** The new head alone: a linear probe on the pretrained features. */
    HEAD("head"),
    /** The last transformer block, the final LayerNorm and the head. */
    LAST_BLOCK("last-block"),
    /** Every parameter, embeddings included. */
    ALL("all");

    public static final Trainable DEFAULT = LAST_BLOCK;

    private final String wireName;

    Trainable(String wireName) {
        this.wireName = wireName;
    }

    /** The name in requests and configs: {@code head}, {@code last-block}, {@code all}. */
    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException naming the valid choices for anything else */
    public static Trainable of(String name) {
        for (Trainable t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("trainable must be one of "
                + Arrays.stream(values()).map(Trainable::wireName).collect(Collectors.joining(", "))
                + "; got '" + name + "'");
    }

    /**
     * How many parameters this choice trains in a classifier of {@code labels} classes over a base of {@code config},
     * known before any model is built (what {@link #select} gives, counted).
     */
    public long parameterCount(GptConfig config, int labels) {
        long head = (long) labels * config.embedDim();
        return switch (this) {
            case HEAD -> head;
            case LAST_BLOCK -> config.blockParameterCount() + config.finalNormParameterCount() + head;
            case ALL -> config.parameterCount() + head;
        };
    }

    /** The parameters this choice trains, in the model's order (live arrays of the model). */
    public SequencedMap<String, NDArray> select(ClassifierModel model) {
        String lastBlock = GptLayout.block(model.config().layers() - 1, "");
        Predicate<String> trained = switch (this) {
            case HEAD -> ClassifierModel.SCORE::equals;
            case LAST_BLOCK -> name -> name.equals(ClassifierModel.SCORE) || name.startsWith(lastBlock)
                    || name.equals(GptLayout.FINAL_NORM_WEIGHT) || name.equals(GptLayout.FINAL_NORM_BIAS);
            case ALL -> name -> true;
        };
        SequencedMap<String, NDArray> selected = new LinkedHashMap<>();
        model.parameters().forEach((name, array) -> {
            if (trained.test(name)) {
                selected.put(name, array);
            }
        });
        return Collections.unmodifiableSequencedMap(selected);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
