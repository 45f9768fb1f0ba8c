package dev.llmmesh.tokenizer.jobs;

import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/** Without Redis the service still works: shards live in the artifact store only. */
@Singleton
@Requires(missingProperty = "redis.uri")
public class NoShardCache implements ShardCache {
    private static final Logger LOG = LoggerFactory.getLogger(NoShardCache.class);

    public NoShardCache() {
        LOG.warn("REDIS_URI is not set: the Redis token cache is off; shards are only in the artifact store");
    }

    @Override
    public void put(String tokenizerId, String datasetId, int shard, byte[] packedTokens) {
    }

    @Override
    public Optional<byte[]> get(String tokenizerId, String datasetId, int shard) {
        return Optional.empty();
    }
}
