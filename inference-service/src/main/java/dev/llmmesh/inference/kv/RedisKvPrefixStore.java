package dev.llmmesh.inference.kv;

import dev.llmmesh.core.model.KvCache;
import dev.llmmesh.mesh.GuardedRedis;
import dev.llmmesh.mesh.RedisKeys;
import io.lettuce.core.KeyValue;
import io.lettuce.core.SetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Prefix blocks under {@code llm:kv:{modelId}:{sha256 of the prefix}}, each with the TTL. A lookup is one MGET of
 * every block the prompt could have. The budget is a per-model byte counter that lives as long as the newest entry:
 * it over-counts entries that expired before it (so the budget is never exceeded), and resets with them.
 *
 * <p>Lookups run on the model's engine thread and have a connection of their own, so they never queue behind a
 * writer's blocks, and a time limit ({@link KvPrefixSettings#lookupTimeout()}), after which the prefill goes on
 * without the cache. Both go through {@link GuardedRedis}: while Redis is down or slow a lookup misses and a store
 * stops, at once during the breaker's cool-down. Stores have a bulk connection: a block may be megabytes, so a write
 * may take up to {@link KvPrefixSettings#storeTimeout()}, and one that takes longer stops that store only; it does
 * not open the breaker, which would skip every lookup and report Redis degraded.
 */
public final class RedisKvPrefixStore implements KvPrefixStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisKvPrefixStore.class);

    private final GuardedRedis.Connection lookups;
    private final GuardedRedis.Connection stores;
    private final KvPrefixSettings settings;

    public RedisKvPrefixStore(GuardedRedis redis, KvPrefixSettings settings) {
        this.lookups = redis.newConnection();
        this.stores = redis.newBulkConnection(settings.storeTimeout());
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
        List<KeyValue<byte[], byte[]>> entries = lookups.call("KV prefix lookup of model " + modelId,
                settings.lookupTimeout(), r -> r.mget(keys)).orElse(List.of());
        List<KvBlock> blocks = new ArrayList<>();
        for (KeyValue<byte[], byte[]> entry : entries) {
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

    @Override
    public long store(String modelId, int[] prompt, List<KvBlock> blocks) {
        List<String> digests = PrefixBlocks.digests(prompt, settings.blockTokens());
        byte[] budgetKey = budgetKey(modelId);
        String what = "KV prefix store of model " + modelId;
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
            // Each step may find Redis gone: the rest is not stored (a budget counted but not used is harmless).
            Optional<Long> used = stores.call(what, r -> r.incrby(budgetKey, bytes.length));
            if (used.isEmpty() || stores.call(what, r -> r.pexpire(budgetKey, settings.ttl().toMillis())).isEmpty()) {
                break;
            }
            if (used.get() > settings.budgetBytes()) {
                stores.call(what, r -> r.decrby(budgetKey, bytes.length));
                LOG.debug("KV prefix budget of model {} is spent ({} bytes); block not stored", modelId, used.get());
                break;
            }
            if (stores.call(what, r -> r.set(key(modelId, digests.get(k)), bytes,
                    SetArgs.Builder.px(settings.ttl().toMillis()))).isEmpty()) {
                break;
            }
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
