package dev.llmmesh.inference.kv;

import dev.llmmesh.core.generate.PrefixCache;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.KvCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One engine's {@link PrefixCache} over the replicas' shared {@link KvPrefixStore}: a prefill loads the blocks
 * another replica (or this one) stored for the prompt's prefix, and leaves the blocks it computed for the next.
 *
 * <p>Lookups run on the engine's thread, since the prefill waits for them anyway. Writes do not: the blocks are
 * copied off the device at once (the slot moves on with the next step), then stored by a writer thread of its own,
 * so a slow or missing Redis never delays a token. When the writer falls behind, new blocks are dropped: a cache
 * may always miss.
 */
public final class StoredPrefixCache implements PrefixCache, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoredPrefixCache.class);
    /** Prompts whose blocks may wait for the writer. */
    private static final int PENDING_WRITES = 16;

    private final KvPrefixStore store;
    private final String modelId;
    private final long fingerprint;
    private final GptConfig config;
    private final ThreadPoolExecutor writer;

    /**
     * @param fingerprint the model's publication ({@link KvPrefixStore#fingerprint}): only its own states are read
     */
    public StoredPrefixCache(KvPrefixStore store, String modelId, long fingerprint, GptConfig config) {
        this.store = store;
        this.modelId = modelId;
        this.fingerprint = fingerprint;
        this.config = config;
        // No thread until a first write; an idle one ends.
        this.writer = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(PENDING_WRITES),
                Thread.ofPlatform().daemon().name("kv-prefix-writer-" + modelId).factory(),
                (task, pool) -> LOG.debug("KV prefix writer of model {} is behind; blocks not stored", modelId));
    }

    @Override
    public List<KvCache.Run> find(int[] prompt) {
        List<KvBlock> blocks;
        try {
            blocks = store.lookup(modelId, fingerprint, prompt);
        } catch (RuntimeException e) {
            LOG.warn("KV prefix lookup for model {} failed; prefilling the whole prompt: {}", modelId, e.toString());
            return List.of();
        }
        List<KvCache.Run> runs = new ArrayList<>(blocks.size());
        for (KvBlock block : blocks) {
            KvCache.Run run = block.run();
            // Same fingerprint but another shape would be a bug elsewhere; the decoder must not be handed it.
            if (run.layers() != config.layers() || run.heads() != config.heads() || run.headDim() != config.headDim()) {
                LOG.warn("KV prefix block of model {} has shape {}x{}x{}, the model {}x{}x{}; ignored", modelId,
                        run.layers(), run.heads(), run.headDim(), config.layers(), config.heads(), config.headDim());
                return List.of();
            }
            runs.add(run);
        }
        return runs;
    }

    @Override
    public void prefilled(int[] prompt, int reused, KvCache cache, int slot) {
        int size = store.blockTokens();
        int blocks = (prompt.length - 1) / size;
        int first = (reused + size - 1) / size;
        if (first >= blocks) {
            return;
        }
        List<KvBlock> computed = new ArrayList<>(blocks - first);
        for (int k = first; k < blocks; k++) {
            computed.add(new KvBlock(fingerprint, cache.read(slot, k * size, size)));
        }
        int[] key = prompt.clone();
        writer.execute(() -> {
            try {
                long bytes = store.store(modelId, key, computed);
                LOG.debug("stored {} bytes of KV prefix blocks {}..{} of model {}", bytes, first, blocks - 1, modelId);
            } catch (RuntimeException e) {
                LOG.warn("storing KV prefix blocks of model {} failed: {}", modelId, e.toString());
            }
        });
    }

    /** Lets queued writes finish for a moment, then drops the rest. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            writer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
