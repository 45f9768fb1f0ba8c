package dev.llmmesh.servicekit.datasets;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ShardCache;
import dev.llmmesh.mesh.TokenManifest;
import dev.llmmesh.mesh.TokenShards;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A tokenized dataset's shards, from Redis when cached there, else from the artifact store: how the trainer reads its
 * training stream and eval-service the held-out windows of it, so both see the same tokens.
 */
@Singleton
public class TokenShardReader {
    private static final Logger LOG = LoggerFactory.getLogger(TokenShardReader.class);

    private final ArtifactStore artifacts;
    private final ShardCache cache;

    public TokenShardReader(ArtifactStore artifacts, ShardCache cache) {
        this.artifacts = artifacts;
        this.cache = cache;
    }

    public record Shards(List<int[]> shards, long tokens, int fromRedis) {
    }

    public Shards read(String datasetId, String tokenizerId) throws IOException, JobFailedException {
        String manifestKey = ArtifactKeys.tokensManifest(datasetId, tokenizerId);
        if (!artifacts.exists(manifestKey)) {
            throw new JobFailedException("dataset '" + datasetId + "' has not been tokenized with '" + tokenizerId
                    + "' (no " + manifestKey + "): run a tokenize-dataset job first");
        }
        TokenManifest manifest;
        try (InputStream in = artifacts.open(manifestKey)) {
            manifest = Json.LENIENT.readValue(in, TokenManifest.class);
        }
        List<int[]> shards = new ArrayList<>();
        int fromRedis = 0;
        for (TokenManifest.Shard shard : manifest.shards()) {
            byte[] packed = cachedShard(tokenizerId, datasetId, shard);
            if (packed != null) {
                fromRedis++;
            } else {
                try (InputStream in = artifacts.open(shard.key())) {
                    packed = in.readAllBytes();
                }
            }
            shards.add(TokenShards.unpack(packed));
        }
        return new Shards(shards, manifest.tokens(), fromRedis);
    }

    /** A cached shard only if it is the one the manifest describes (a rerun may have re-cut the shards). */
    private byte[] cachedShard(String tokenizerId, String datasetId, TokenManifest.Shard shard) {
        try {
            byte[] packed = cache.get(tokenizerId, datasetId, shard.index()).orElse(null);
            return packed != null && packed.length == shard.tokens() * Integer.BYTES ? packed : null;
        } catch (RuntimeException e) {
            LOG.warn("Redis read of shard {} of {} failed, using the artifact store: {}", shard.index(), datasetId,
                    e.toString());
            return null;
        }
    }
}
