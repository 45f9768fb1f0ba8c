package dev.llmmesh.inference.models;

import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.Tokenizer;

/**
 * A model's weights on the device and the tokenizer its ids mean something in. Owns (closes) the weights. The engine
 * needs only a {@link Tokenizer}: any will do (ModelEngineTest hands it one that fails on a given prompt).
 */
public record LoadedModel(GptModel model, Tokenizer tokenizer) implements AutoCloseable {
    @Override
    public void close() {
        model.close();
    }
}
