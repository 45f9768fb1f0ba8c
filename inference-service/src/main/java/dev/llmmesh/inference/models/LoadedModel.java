package dev.llmmesh.inference.models;

import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;

/** A model's weights on the device and the tokenizer its ids mean something in. Owns (closes) the weights. */
public record LoadedModel(GptModel model, BpeTokenizer tokenizer) implements AutoCloseable {
    @Override
    public void close() {
        model.close();
    }
}
