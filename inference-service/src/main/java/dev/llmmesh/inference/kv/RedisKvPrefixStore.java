package dev.llmmesh.inference.kv;

import dev.llmmesh.core.model.KvCache;
import dev.llmmesh.mesh.RedisKeys;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Prefix blocks under {@code llm:kv:{modelId}:{sha256 of the prefix}}, each with the TTL. A lookup is one MGET of
 * every block the prompt could have. The budget is a per-model byte counter that lives as long as the newest entry:
 * it over-counts entries that expired before it (so the budget is never exceeded), and resets with them.
 *
 * <p>Lookups run on the model's engine thread and have a connection of their own, so they never queue behind a
 * writer's blocks, and a time limit ({@link KvPrefixSettings#lookupTimeout()}), after which the prefill goes on
 * without the cache.
 */
public final class RedisKvPrefixStore implements KvPrefixStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisKvPrefixStore.class);

    private final StatefulRedisConnection<byte[], byte[]> lookups;
    private final StatefulRedisConnection<byte[], byte[]> stores;
    private final KvPrefixSettings settings;

    public RedisKvPrefixStore(RedisClient client, KvPrefixSettings settings) {
        this.lookups = client.connect(ByteArrayCodec.INSTANCE);
        try {
            this.stores = client.connect(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            lookups.close();
            throw e;
        }
        this.settings = settings;
    }

    @Override
    public int blockTokens() {
        return settings.blockTokens();
    }

    @Override
    public List<KvBlock> lookup(String modelId, long fingerprint, int[] prompt) {
        List<String> digests = PrefixBlocks.digests(prompt, settings.blockTokens());
        if (digests.isEmpty()) {
            return List.of();
        }
        byte[][] keys = digests.stream().map(d -> key(modelId, d)).toArray(byte[][]::new);
        List<KvBlock> blocks = new ArrayList<>();
        for (KeyValue<byte[], byte[]> entry : mget(keys)) {
            KvBlock block = entry.hasValue() ? decode(entry.getValue()) : null;
            int from = blocks.size() * settings.blockTokens();
            if (block == null || block.model() != fingerprint || block.run().from() != from
                    || block.run().length() != settings.blockTokens()) {
                break;
            }
            blocks.add(block);
        }
        return blocks;
    }

    private List<KeyValue<byte[], byte[]>> mget(byte[][] keys) {
        RedisFuture<List<KeyValue<byte[], byte[]>>> reply = lookups.async().mget(keys);
        try {
            return reply.get(settings.lookupTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            reply.cancel(false);
            throw new IllegalStateException("Redis did not answer the lookup within "
                    + settings.lookupTimeout().toMillis() + " ms (llm.inference.kv-prefix.lookup-timeout)");
        } catch (ExecutionException e) {
            throw new IllegalStateException("Redis refused the lookup: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis", e);
        }
    }

    @Override
    public long store(String modelId, int[] prompt, List<KvBlock> blocks) {
        List<String> digests = PrefixBlocks.digests(prompt, settings.blockTokens());
        RedisCommands<byte[], byte[]> redis = stores.sync();
        byte[] budgetKey = budgetKey(modelId);
        long stored = 0;
        for (KvBlock block : blocks) {
            KvCache.Run run = block.run();
            int k = run.from() / settings.blockTokens();
            if (run.from() % settings.blockTokens() != 0 || run.length() != settings.blockTokens()
                    || k >= digests.size()) {
                throw new IllegalArgumentException("positions " + run.from() + "+" + run.length()
                        + " are not a full block of the prompt's prefix");
            }
            byte[] bytes = KvBlockCodec.encode(block);
            if (bytes.length > settings.maxEntryBytes()) {
                LOG.debug("a KV block of {} bytes is over llm.inference.kv-prefix.max-entry-bytes; not stored",
                        bytes.length);
                break;
            }
            long used = redis.incrby(budgetKey, bytes.length);
            redis.pexpire(budgetKey, settings.ttl().toMillis());
            if (used > settings.budgetBytes()) {
                redis.decrby(budgetKey, bytes.length);
                LOG.debug("KV prefix budget of model {} is spent ({} bytes); block not stored", modelId, used);
                break;
            }
            redis.set(key(modelId, digests.get(k)), bytes, SetArgs.Builder.px(settings.ttl().toMillis()));
            stored += bytes.length;
        }
        return stored;
    }

    private static KvBlock decode(byte[] bytes) {
        try {
            return KvBlockCodec.decode(bytes);
        } catch (IllegalArgumentException e) {
            LOG.warn("unreadable KV prefix entry, treated as a miss: {}", e.getMessage());
            return null;
        }
    }

    private static byte[] key(String modelId, String digest) {
        return RedisKeys.kvPrefix(modelId, digest).getBytes(StandardCharsets.UTF_8);
    }

    /** Beside the blocks; no SHA-256 digest reads "bytes". */
    static byte[] budgetKey(String modelId) {
        return RedisKeys.kvPrefix(modelId, "bytes").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            lookups.close();
        } finally {
            stores.close();
        }
    }
}
