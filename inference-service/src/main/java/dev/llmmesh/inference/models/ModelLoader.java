package dev.llmmesh.inference.models;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.llmmesh.core.finetune.ClassifierCheckpoint;
import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.TokenizerRegistry;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads an announced model's files from the artifact store onto the default device (a GPU when there is one): a
 * classifier (kind {@code classifier}, HuggingFace GPT2ForSequenceClassification files) with its head, any other
 * model as a GPT.
 */
@Singleton
public class ModelLoader {
    private final FileArtifactStore artifacts;
    private final TokenizerRegistry tokenizers;
    private final IntraOpThreads threads;

    public ModelLoader(FileArtifactStore artifacts, TokenizerRegistry tokenizers, IntraOpThreads threads) {
        this.artifacts = artifacts;
        this.tokenizers = tokenizers;
        this.threads = threads;
    }

    public LoadedModel load(ModelAnnouncement announcement) throws IOException {
        // The tokenizer first: it is cheap, and without it the weights would be loaded for nothing.
        BpeTokenizer tokenizer = tokenizers.find(announcement.tokenizerId()).orElseThrow(() -> new IOException(
                "tokenizer '" + announcement.tokenizerId() + "' of model '" + announcement.modelId()
                        + "' is not in the artifact store"));
        threads.apply();
        Path dir = artifacts.path(announcement.artifact());
        Device device = Engine.getInstance().defaultDevice();
        if (announcement.kind() == ModelKind.CLASSIFIER || ClassifierCheckpoint.isClassifier(dir)) {
            return classifier(announcement, dir, device, tokenizer);
        }
        GptModel model = GptCheckpoint.load(dir, device);
        if (model.config().vocabSize() < tokenizer.vocabSize()) {
            model.close();
            throw vocabularyMismatch(announcement, model.config().vocabSize(), tokenizer);
        }
        return new LoadedModel(model, tokenizer);
    }

    /** Its labels are the checkpoint's (its head's order); an announcement naming others is refused, not guessed. */
    private static LoadedModel classifier(ModelAnnouncement announcement, Path dir, Device device,
                                          BpeTokenizer tokenizer) throws IOException {
        if (!ClassifierCheckpoint.isClassifier(dir)) {
            throw new IOException("model '" + announcement.modelId() + "' is announced as a classifier but "
                    + announcement.artifact() + " holds no " + ClassifierCheckpoint.ARCHITECTURE + " checkpoint");
        }
        ClassifierModel classifier = ClassifierCheckpoint.load(dir, device);
        if (classifier.config().vocabSize() < tokenizer.vocabSize()) {
            classifier.close();
            throw vocabularyMismatch(announcement, classifier.config().vocabSize(), tokenizer);
        }
        if (!announcement.labels().isEmpty() && !announcement.labels().equals(classifier.labels())) {
            classifier.close();
            throw new IOException("model '" + announcement.modelId() + "' is announced with labels "
                    + announcement.labels() + " but its checkpoint's head has " + classifier.labels());
        }
        return LoadedModel.classifier(classifier, tokenizer);
    }

    private static IOException vocabularyMismatch(ModelAnnouncement announcement, int embeddings,
                                                  BpeTokenizer tokenizer) {
        return new IOException("model '" + announcement.modelId() + "' has " + embeddings + " token embeddings but"
                + " its tokenizer '" + tokenizer.name() + "' has " + tokenizer.vocabSize() + " tokens");
    }
}
