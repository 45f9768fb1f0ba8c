package dev.llmmesh.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.LanguageModel;

import java.util.LinkedHashMap;
import java.util.Random;
import java.util.SequencedMap;

/**
 * A stand-in language model for loop tests: embedding, a gain/bias pair (to stand for LayerNorm, which must
 * not be decayed), dropout, tanh and a linear head. Small and fast, with the same kinds of parameters a GPT
 * has, so decay rules, resume and dropout reseeding are exercised.
 */
final class BigramModel implements LanguageModel {
    private final GptConfig config;
    private final NDManager manager;
    private final SequencedMap<String, NDArray> parameters = new LinkedHashMap<>();

    BigramModel(int vocab, int width, int context, double dropout, long seed) {
        config = new GptConfig(vocab, context, width, 1, 1, dropout, 1e-5);
        manager = NDManager.newBaseManager(Device.cpu());
        Random random = new Random(seed);
        parameters.put("transformer.wte.weight", normal(random, new Shape(vocab, width), 0.5));
        parameters.put("transformer.ln_f.weight", manager.ones(new Shape(width)));
        parameters.put("transformer.ln_f.bias", manager.zeros(new Shape(width)));
        parameters.put("head.weight", normal(random, new Shape(width, vocab), 0.2));
        parameters.put("head.bias", manager.zeros(new Shape(vocab)));
        parameters.values().forEach(p -> p.setRequiresGradient(true));
    }

    private NDArray normal(Random random, Shape shape, double std) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return manager.create(values, shape);
    }

    @Override
    public GptConfig config() {
        return config;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public SequencedMap<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public NDArray forward(NDArray tokenIds, boolean training) {
        // starting from the input keeps every intermediate in the caller's manager
        NDArray h = tokenIds.oneHot(config.vocabSize()).matMul(parameters.get("transformer.wte.weight"));
        h = h.mul(parameters.get("transformer.ln_f.weight")).add(parameters.get("transformer.ln_f.bias"));
        if (training && config.dropout() > 0) {
            h = Dropout.dropout(h, (float) config.dropout(), true).singletonOrThrow();
        }
        return h.tanh().matMul(parameters.get("head.weight")).add(parameters.get("head.bias"));
    }

    @Override
    public void close() {
        manager.close();
    }
}
