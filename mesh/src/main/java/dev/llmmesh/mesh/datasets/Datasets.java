package dev.llmmesh.mesh.datasets;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.TokenManifest;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The datasets in the artifact store: what each is, its rows, and how many tokens each tokenizer made of it. */
public final class Datasets {
    private final ArtifactStore artifacts;

    public Datasets(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    /** The dataset with its token counts, or empty when there is no (whole) dataset {@code id}. */
    public Optional<DatasetInfo> find(String id) throws IOException {
        String key = ArtifactKeys.datasetInfo(id);
        if (!artifacts.exists(key)) {
            return Optional.empty();
        }
        DatasetInfo info;
        try (InputStream in = artifacts.open(key)) {
            info = Json.LENIENT.readValue(in, DatasetInfo.class);
        }
        return Optional.of(info.withTokens(tokens(id)));
    }

    /** Datasets by id (splits among them); directories without a {@code dataset.json} are left out. */
    public List<DatasetInfo> list() throws IOException {
        List<DatasetInfo> all = new ArrayList<>();
        for (String id : artifacts.list(ArtifactKeys.DATASETS)) {
            find(id).ifPresent(all::add);
        }
        return all;
    }

    /** The rows of dataset {@code id}, or empty when there is no such dataset. */
    public Optional<DatasetRows> rows(String id) throws IOException {
        return find(id).map(info -> new DatasetRows(artifacts, info));
    }

    /** Tokenizer id to tokens, for each finished tokenize-dataset job (its manifest written) of this dataset. */
    public Map<String, Long> tokens(String id) throws IOException {
        Map<String, Long> tokens = new TreeMap<>();
        for (String tokenizerId : artifacts.list(ArtifactKeys.datasetTokensDir(id))) {
            String manifest = ArtifactKeys.tokensManifest(id, tokenizerId);
            if (artifacts.exists(manifest)) {
                try (InputStream in = artifacts.open(manifest)) {
                    tokens.put(tokenizerId, Json.LENIENT.readValue(in, TokenManifest.class).tokens());
                }
            }
        }
        return tokens;
    }
}
