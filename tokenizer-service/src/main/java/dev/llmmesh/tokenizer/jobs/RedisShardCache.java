package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.mesh.RedisKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** Shards in Redis with a TTL: a cache, the artifact store stays the source of truth. */
@Singleton
@Requires(property = "redis.uri")
public class RedisShardCache implements ShardCache {
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final Duration ttl;

    public RedisShardCache(RedisClient client, @Value("${llm.redis.token-shard-ttl:7d}") Duration ttl) {
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
        this.ttl = ttl;
    }

    @Override
    public void put(String tokenizerId, String datasetId, int shard, byte[] packedTokens) {
        connection.sync().set(key(tokenizerId, datasetId, shard), packedTokens, SetArgs.Builder.ex(ttl));
    }

    @Override
    public Optional<byte[]> get(String tokenizerId, String datasetId, int shard) {
        return Optional.ofNullable(connection.sync().get(key(tokenizerId, datasetId, shard)));
    }

    private static byte[] key(String tokenizerId, String datasetId, int shard) {
        return RedisKeys.tokenShard(tokenizerId, datasetId, shard).getBytes(StandardCharsets.UTF_8);
    }

    @PreDestroy
    void close() {
        connection.close();
    }
}
