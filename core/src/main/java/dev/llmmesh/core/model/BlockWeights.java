package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;

import java.util.Map;
import java.util.function.BiFunction;

/**
 * One transformer block's LayerNorms and projections, looked up once so the forward pass does not hash names. The
 * arrays are the very objects held in {@link GptModel#parameters()}, so gradients attached there are seen here.
 */
record BlockWeights(NDArray ln1Weight, NDArray ln1Bias, Projection attn, Projection attnProj,
                    NDArray ln2Weight, NDArray ln2Bias, Projection fc, Projection mlpProj) {

    static BlockWeights of(Map<String, NDArray> parameters, int layer) {
        return new BlockWeights(
                get(parameters, layer, "ln_1.weight"), get(parameters, layer, "ln_1.bias"),
                dense(parameters, layer, GptLayout.ATTENTION), dense(parameters, layer, GptLayout.ATTENTION_OUT),
                get(parameters, layer, "ln_2.weight"), get(parameters, layer, "ln_2.bias"),
                dense(parameters, layer, GptLayout.MLP_UP), dense(parameters, layer, GptLayout.MLP_DOWN));
    }

    /**
     * This block with each projection replaced by {@code wrap(name, projection)}, the name being the projection's
     * module path ({@code transformer.h.0.attn.c_attn}); the result must keep the projection's widths.
     */
    BlockWeights wrapped(int layer, BiFunction<String, Projection, Projection> wrap) {
        return new BlockWeights(ln1Weight, ln1Bias,
                wrap(layer, GptLayout.ATTENTION, attn, wrap), wrap(layer, GptLayout.ATTENTION_OUT, attnProj, wrap),
                ln2Weight, ln2Bias,
                wrap(layer, GptLayout.MLP_UP, fc, wrap), wrap(layer, GptLayout.MLP_DOWN, mlpProj, wrap));
    }

    private static Projection wrap(int layer, String suffix, Projection projection,
                                   BiFunction<String, Projection, Projection> wrap) {
        String name = GptLayout.block(layer, suffix);
        Projection wrapped = wrap.apply(name, projection);
        if (wrapped == null || wrapped.in() != projection.in() || wrapped.out() != projection.out()) {
            throw new IllegalArgumentException("the projection replacing " + name + " must map " + projection.in()
                    + " to " + projection.out() + " columns"
                    + (wrapped == null ? ", got null" : ", it maps " + wrapped.in() + " to " + wrapped.out()));
        }
        return wrapped;
    }

    private static Projection dense(Map<String, NDArray> parameters, int layer, String module) {
        return new DenseProjection(get(parameters, layer, module + ".weight"), get(parameters, layer, module + ".bias"));
    }

    private static NDArray get(Map<String, NDArray> parameters, int layer, String suffix) {
        NDArray array = parameters.get(GptLayout.block(layer, suffix));
        if (array == null) {
            throw new IllegalArgumentException("missing parameter " + GptLayout.block(layer, suffix));
        }
        return array;
    }
}
