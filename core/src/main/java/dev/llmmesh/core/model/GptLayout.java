package dev.llmmesh.core.model;

import ai.djl.ndarray.types.Shape;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Names and shapes of a GPT-2 model's parameters, exactly as HuggingFace's {@code GPT2LMHeadModel} state dict
 * spells and orders them, computed from the config alone (nothing is allocated).
 *
 * <p>The attention and MLP projections are HuggingFace {@code Conv1D} layers, stored {@code [in, out]}: the
 * transpose of {@code nn.Linear}. Keeping that layout means a GPT-2 checkpoint loads with no transposes.
 */
public final class GptLayout {
    public static final String PREFIX = "transformer.";
    public static final String TOKEN_EMBEDDING = PREFIX + "wte.weight";
    public static final String POSITION_EMBEDDING = PREFIX + "wpe.weight";
    public static final String FINAL_NORM_WEIGHT = PREFIX + "ln_f.weight";
    public static final String FINAL_NORM_BIAS = PREFIX + "ln_f.bias";
    /** A block's projections by module path within the block, each with {@code .weight} [in, out] and {@code .bias}. */
    public static final String ATTENTION = "attn.c_attn";
    public static final String ATTENTION_OUT = "attn.c_proj";
    public static final String MLP_UP = "mlp.c_fc";
    public static final String MLP_DOWN = "mlp.c_proj";
    /** The four, in the order they run. */
    public static final List<String> PROJECTIONS = List.of(ATTENTION, ATTENTION_OUT, MLP_UP, MLP_DOWN);

    private GptLayout() {
    }

    /** {@code transformer.h.{layer}.{suffix}}, e.g. {@code block(0, "attn.c_attn.weight")}. */
    public static String block(int layer, String suffix) {
        return PREFIX + "h." + layer + "." + suffix;
    }

    /** Every parameter, by name, in HuggingFace state-dict order. */
    public static SequencedMap<String, Shape> shapes(GptConfig config) {
        long v = config.vocabSize();
        long t = config.contextLength();
        long c = config.embedDim();
        SequencedMap<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(TOKEN_EMBEDDING, new Shape(v, c));
        shapes.put(POSITION_EMBEDDING, new Shape(t, c));
        for (int i = 0; i < config.layers(); i++) {
            shapes.put(block(i, "ln_1.weight"), new Shape(c));
            shapes.put(block(i, "ln_1.bias"), new Shape(c));
            shapes.put(block(i, "attn.c_attn.weight"), new Shape(c, 3 * c));
            shapes.put(block(i, "attn.c_attn.bias"), new Shape(3 * c));
            shapes.put(block(i, "attn.c_proj.weight"), new Shape(c, c));
            shapes.put(block(i, "attn.c_proj.bias"), new Shape(c));
            shapes.put(block(i, "ln_2.weight"), new Shape(c));
            shapes.put(block(i, "ln_2.bias"), new Shape(c));
            shapes.put(block(i, "mlp.c_fc.weight"), new Shape(c, 4 * c));
            shapes.put(block(i, "mlp.c_fc.bias"), new Shape(4 * c));
            shapes.put(block(i, "mlp.c_proj.weight"), new Shape(4 * c, c));
            shapes.put(block(i, "mlp.c_proj.bias"), new Shape(c));
        }
        shapes.put(FINAL_NORM_WEIGHT, new Shape(c));
        shapes.put(FINAL_NORM_BIAS, new Shape(c));
        return Collections.unmodifiableSequencedMap(shapes);
    }

    /** Sum of the sizes in {@link #shapes}; equals {@link GptConfig#parameterCount()}. */
    public static long parameterCount(GptConfig config) {
        return shapes(config).values().stream().mapToLong(Shape::size).sum();
    }
}
