package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * One transformer block's parameters, looked up once so the forward pass does not hash names. The arrays are
 * the very objects held in {@link GptModel#parameters()}, so gradients attached there are seen here.
 */
record BlockWeights(NDArray ln1Weight, NDArray ln1Bias,
                    NDArray attnWeight, NDArray attnBias, NDArray attnProjWeight, NDArray attnProjBias,
                    NDArray ln2Weight, NDArray ln2Bias,
                    NDArray fcWeight, NDArray fcBias, NDArray mlpProjWeight, NDArray mlpProjBias) {

    static BlockWeights of(Map<String, NDArray> parameters, int layer) {
        return new BlockWeights(
                get(parameters, layer, "ln_1.weight"), get(parameters, layer, "ln_1.bias"),
                get(parameters, layer, "attn.c_attn.weight"), get(parameters, layer, "attn.c_attn.bias"),
                get(parameters, layer, "attn.c_proj.weight"), get(parameters, layer, "attn.c_proj.bias"),
                get(parameters, layer, "ln_2.weight"), get(parameters, layer, "ln_2.bias"),
                get(parameters, layer, "mlp.c_fc.weight"), get(parameters, layer, "mlp.c_fc.bias"),
                get(parameters, layer, "mlp.c_proj.weight"), get(parameters, layer, "mlp.c_proj.bias"));
    }

    private static NDArray get(Map<String, NDArray> parameters, int layer, String suffix) {
        NDArray array = parameters.get(GptLayout.block(layer, suffix));
        if (array == null) {
            throw new IllegalArgumentException("missing parameter " + GptLayout.block(layer, suffix));
        }
        return array;
    }
}
