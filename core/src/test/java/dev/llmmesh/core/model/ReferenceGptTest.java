package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model against a plain-Java GPT-2 written straight from the HuggingFace definition (Conv1D [in, out], q|k|v
 * split of c_attn, heads as contiguous slices of C, tanh GELU, tied head), in double precision.
 */
class ReferenceGptTest {
    private static final GptConfig CONFIG = new GptConfig(53, 16, 24, 2, 3, 0.0, 1e-5);

    @Test
    void matchesAStraightforwardReference() {
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 17);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // Non-trivial LayerNorm parameters and biases, so their layout is checked too; weights scaled up so
            // activations reach the range where GELU's tanh form and the erf form differ.
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                NDArray p = e.getValue();
                if (e.getKey().endsWith("bias") || e.getKey().contains(".ln_")) {
                    p.addi(m.randomNormal(0, 0.3f, p.getShape(), p.getDataType()));
                } else {
                    p.muli(8);
                }
            }
            Map<String, float[]> weights = new HashMap<>();
            model.parameters().forEach((name, p) -> weights.put(name, p.toFloatArray()));
            int[] ids = {5, 0, 52, 17, 17, 3, 9, 41, 30, 2, 11};
            double[][] expected = reference(weights, ids);
            long[] longIds = java.util.Arrays.stream(ids).asLongStream().toArray();
            float[] actual = model.forward(m.create(longIds, new Shape(1, ids.length)), false).toFloatArray();
            double worst = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < CONFIG.vocabSize(); v++) {
                    worst = Math.max(worst, Math.abs(expected[t][v] - actual[t * CONFIG.vocabSize() + v]));
                }
            }
            // float32 vs double leaves ~1e-6 here; the erf GELU instead of the tanh one would leave ~4e-4.
            assertTrue(worst < 2e-5, "max diff " + worst);
        }
    }

    private static double[][] reference(Map<String, float[]> w, int[] ids) {
        int c = CONFIG.embedDim();
        int time = ids.length;
        double[][] x = new double[time][c];
        for (int t = 0; t < time; t++) {
            for (int i = 0; i < c; i++) {
                x[t][i] = w.get("transformer.wte.weight")[ids[t] * c + i] + w.get("transformer.wpe.weight")[t * c + i];
            }
        }
        for (int layer = 0; layer < CONFIG.layers(); layer++) {
            String p = "transformer.h." + layer + ".";
            double[][] h = layerNorm(x, w.get(p + "ln_1.weight"), w.get(p + "ln_1.bias"));
            double[][] qkv = conv1d(h, w.get(p + "attn.c_attn.weight"), w.get(p + "attn.c_attn.bias"));
            double[][] y = attention(qkv);
            add(x, conv1d(y, w.get(p + "attn.c_proj.weight"), w.get(p + "attn.c_proj.bias")));
            h = layerNorm(x, w.get(p + "ln_2.weight"), w.get(p + "ln_2.bias"));
            double[][] u = conv1d(h, w.get(p + "mlp.c_fc.weight"), w.get(p + "mlp.c_fc.bias"));
            for (double[] row : u) {
                for (int i = 0; i < row.length; i++) {
                    double v = row[i];
                    row[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                }
            }
            add(x, conv1d(u, w.get(p + "mlp.c_proj.weight"), w.get(p + "mlp.c_proj.bias")));
        }
        double[][] f = layerNorm(x, w.get("transformer.ln_f.weight"), w.get("transformer.ln_f.bias"));
        float[] wte = w.get("transformer.wte.weight");
        double[][] logits = new double[time][CONFIG.vocabSize()];
        for (int t = 0; t < time; t++) {
            for (int v = 0; v < CONFIG.vocabSize(); v++) {
                for (int i = 0; i < c; i++) {
                    logits[t][v] += f[t][i] * wte[v * c + i];
                }
            }
        }
        return logits;
    }

    private static double[][] attention(double[][] qkv) {
        int c = CONFIG.embedDim();
        int d = CONFIG.headDim();
        int time = qkv.length;
        double[][] y = new double[time][c];
        for (int head = 0; head < CONFIG.heads(); head++) {
            int off = head * d;
            for (int t = 0; t < time; t++) {
                double[] scores = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    for (int i = 0; i < d; i++) {
                        scores[s] += qkv[t][off + i] * qkv[s][c + off + i];
                    }
                    scores[s] /= Math.sqrt(d);
                    max = Math.max(max, scores[s]);
                }
                double sum = 0;
                for (int s = 0; s <= t; s++) {
                    scores[s] = Math.exp(scores[s] - max);
                    sum += scores[s];
                }
                for (int s = 0; s <= t; s++) {
                    for (int i = 0; i < d; i++) {
                        y[t][off + i] += scores[s] / sum * qkv[s][2 * c + off + i];
                    }
                }
            }
        }
        return y;
    }

    private static double[][] layerNorm(double[][] x, float[] gamma, float[] beta) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v / x[t].length;
            }
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / x[t].length;
            }
            out[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                out[t][i] = (x[t][i] - mean) / Math.sqrt(var + CONFIG.layerNormEps()) * gamma[i] + beta[i];
            }
        }
        return out;
    }

    /** x [T, in] @ W [in, out] + b. */
    private static double[][] conv1d(double[][] x, float[] weight, float[] bias) {
        int in = x[0].length;
        int out = bias.length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int j = 0; j < out; j++) {
                double sum = bias[j];
                for (int i = 0; i < in; i++) {
                    sum += x[t][i] * weight[i * out + j];
                }
                y[t][j] = sum;
            }
        }
        return y;
    }

    private static void add(double[][] x, double[][] y) {
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < x[t].length; i++) {
                x[t][i] += y[t][i];
            }
        }
    }
}
