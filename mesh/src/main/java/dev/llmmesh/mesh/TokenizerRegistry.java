package dev.llmmesh.mesh;

import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokenizers this service knows: GPT-2, built in, and every tokenizer trained into the artifact store
 * (loaded on first use and kept; a published tokenizer never changes). Shared by every service that
 * turns text into tokens or back.
 */
public final class TokenizerRegistry {
    public static final String GPT2 = "gpt2";

    private final ArtifactStore artifacts;
    private final Map<String, BpeTokenizer> loaded = new ConcurrentHashMap<>();

    public TokenizerRegistry(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    public Optional<BpeTokenizer> find(String id) {
        if (GPT2.equals(id)) {
            return Optional.of(Gpt2Vocabulary.gpt2());
        }
        if (!Ids.valid(id)) {
            return Optional.empty();
        }
        BpeTokenizer cached = loaded.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        String key = ArtifactKeys.tokenizerJson(id);
        if (!artifacts.exists(key)) {
            return Optional.empty();
        }
        return Optional.of(loaded.computeIfAbsent(id, this::load));
    }

    public boolean exists(String id) {
        return GPT2.equals(id) || (Ids.valid(id) && artifacts.exists(ArtifactKeys.tokenizerJson(id)));
    }

    /** Ids of all tokenizers, built-in first. */
    public List<String> ids() throws IOException {
        List<String> ids = new ArrayList<>(List.of(GPT2));
        for (String dir : artifacts.list("tokenizers/")) {
            if (Ids.valid(dir) && artifacts.exists(ArtifactKeys.tokenizerJson(dir))) {
                ids.add(dir);
            }
        }
        return ids;
    }

    private BpeTokenizer load(String id) {
        String key = ArtifactKeys.tokenizerJson(id);
        try (InputStream in = artifacts.open(key)) {
            return new BpeTokenizer(id, HuggingFaceTokenizerJson.read(in, key));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + id + " from the artifact store", e);
        }
    }
}
