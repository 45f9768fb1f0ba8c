package dev.llmmesh.trainer;

import dev.llmmesh.core.tokenizer.BpeModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.BpeTrainer;
import dev.llmmesh.core.tokenizer.BpeTrainerConfig;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.RedisKeys;
import dev.llmmesh.mesh.TokenManifest;
import dev.llmmesh.mesh.TokenShards;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Puts into an artifact store what tokenizer-service would have left there: a small trained tokenizer and a
 * tokenized dataset with its manifest (artifact store only, so the trainer's fallback path is used).
 */
final class Fixtures {
    static final String TOKENIZER = "moby-512";
    private static BpeModel model;

    private Fixtures() {
    }

    static String mobyDick(int chars) {
        try {
            return Files.readString(Path.of("..", "datasets", "corpus", "moby-dick.txt")).substring(0, chars);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized BpeTokenizer tokenizer(FileArtifactStore artifacts) throws IOException {
        if (model == null) {
            model = new BpeTrainer(new BpeTrainerConfig(512, 2, List.of("<|endoftext|>"))).train(List.of(mobyDick(200_000)));
        }
        String key = ArtifactKeys.tokenizerJson(TOKENIZER);
        if (!artifacts.exists(key)) {
            artifacts.write(key, out -> HuggingFaceTokenizerJson.write(model, out));
        }
        return new BpeTokenizer(TOKENIZER, model);
    }

    /** Tokenizes {@code text} as dataset {@code datasetId} in shards of {@code shardTokens}. */
    static int[] tokenizedDataset(FileArtifactStore artifacts, String datasetId, String text, int shardTokens)
            throws IOException {
        // The dataset as uploaded, then as tokenized: a job names a dataset, which must exist as well as its tokens.
        artifacts.write(ArtifactKeys.datasetText(datasetId), text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int[] ids = tokenizer(artifacts).encode(text, SpecialTokenPolicy.ALLOW_ALL);
        List<TokenManifest.Shard> shards = new ArrayList<>();
        for (int from = 0, index = 0; from < ids.length; from += shardTokens, index++) {
            int[] part = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + shardTokens));
            String key = ArtifactKeys.tokenShard(datasetId, TOKENIZER, "fixture", index);
            artifacts.write(key, TokenShards.pack(part));
            shards.add(new TokenManifest.Shard(index, key, RedisKeys.tokenShard(TOKENIZER, datasetId, index), part.length));
        }
        var manifest = new TokenManifest(TokenManifest.TYPE, TokenManifest.SCHEMA_VERSION, datasetId, TOKENIZER,
                "fixture", ids.length, shards, Instant.now());
        artifacts.write(ArtifactKeys.tokensManifest(datasetId, TOKENIZER), Json.bytes(manifest));
        return ids;
    }
}
