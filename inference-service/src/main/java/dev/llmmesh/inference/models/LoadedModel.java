package dev.llmmesh.inference.models;

import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.Tokenizer;

/**
 * A model's weights on the device and the tokenizer its ids mean something in. Owns (closes) the weights. The engine
 * needs only a {@link Tokenizer}: any will do (ModelEngineTest hands it one that fails on a given prompt).
 *
 * @param model      the transformer; for a classifier, the one under its head
 * @param classifier the model with its classification head, null for a model that generates text
 */
public record LoadedModel(GptModel model, Tokenizer tokenizer, ClassifierModel classifier) implements AutoCloseable {
    public LoadedModel(GptModel model, Tokenizer tokenizer) {
        this(model, tokenizer, null);
    }

    public static LoadedModel classifier(ClassifierModel classifier, Tokenizer tokenizer) {
        return new LoadedModel(classifier.base(), tokenizer, classifier);
    }

    @Override
    public void close() {
        if (classifier != null) {
            classifier.close();
        } else {
            model.close();
        }
    }
}
