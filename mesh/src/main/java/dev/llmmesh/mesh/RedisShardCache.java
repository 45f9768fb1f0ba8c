package dev.llmmesh.mesh;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** Shards in Redis with a TTL, on one shared connection (Lettuce connections are thread-safe). */
public final class RedisShardCache implements ShardCache, AutoCloseable {
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final Duration ttl;

    public RedisShardCache(RedisClient client, Duration ttl) {
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

    @Override
    public void close() {
        connection.close();
    }
}
