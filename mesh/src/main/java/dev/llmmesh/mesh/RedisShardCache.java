package dev.llmmesh.mesh;

import io.lettuce.core.SetArgs;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Shards in Redis with a TTL. Through {@link GuardedRedis}: while Redis is down or slow a put does nothing and a get
 * misses, within the short timeout once and at once during the cool-down, so jobs go on from the artifact store.
 */
public final class RedisShardCache implements ShardCache {
    private final GuardedRedis redis;
    private final Duration ttl;

    public RedisShardCache(GuardedRedis redis, Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
    }

    @Override
    public void put(String tokenizerId, String datasetId, int shard, byte[] packedTokens) {
        redis.call("caching token shard " + shard + " of " + datasetId,
                r -> r.set(key(tokenizerId, datasetId, shard), packedTokens, SetArgs.Builder.ex(ttl)));
    }

    @Override
    public Optional<byte[]> get(String tokenizerId, String datasetId, int shard) {
        return redis.call("reading token shard " + shard + " of " + datasetId,
                r -> r.get(key(tokenizerId, datasetId, shard)));
    }

    private static byte[] key(String tokenizerId, String datasetId, int shard) {
        return RedisKeys.tokenShard(tokenizerId, datasetId, shard).getBytes(StandardCharsets.UTF_8);
    }
}
