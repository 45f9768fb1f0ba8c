package dev.llmmesh.inference.models;

import ai.djl.engine.Engine;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import jakarta.inject.Singleton;

import java.io.IOException;

/** Reads an announced model's files from the artifact store onto the default device (a GPU when there is one). */
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
        GptModel model = GptCheckpoint.load(artifacts.path(announcement.artifact()),
                Engine.getInstance().defaultDevice());
        if (model.config().vocabSize() < tokenizer.vocabSize()) {
            model.close();
            throw new IOException("model '" + announcement.modelId() + "' has " + model.config().vocabSize()
                    + " token embeddings but its tokenizer '" + tokenizer.name() + "' has " + tokenizer.vocabSize()
                    + " tokens");
        }
        return new LoadedModel(model, tokenizer);
    }
}
