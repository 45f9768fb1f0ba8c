package dev.llmmesh.mesh;

import java.time.Instant;
import java.util.List;

/**
 * The table of contents of a tokenized dataset, at {@link ArtifactKeys#tokensManifest}. Readers take shards
 * in index order; each is in Redis under {@code redisKey} (maybe) and in the artifact store under
 * {@code key} (always).
 */
public record TokenManifest(String type, int schemaVersion, String datasetId, String tokenizerId, String jobId,
                            long tokens, List<Shard> shards, Instant createdAt) {
    public static final String TYPE = "token-manifest";
    public static final int SCHEMA_VERSION = 1;

    public TokenManifest {
        shards = List.copyOf(shards);
    }

    public record Shard(int index, String key, String redisKey, long tokens) {
    }
}
