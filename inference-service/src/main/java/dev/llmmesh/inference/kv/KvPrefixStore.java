package dev.llmmesh.inference.kv;

import dev.llmmesh.mesh.ModelAnnouncement;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Attention states of prompt prefixes, shared between replicas so one that sees a known prefix skips its prefill. */
public interface KvPrefixStore extends AutoCloseable {
    /** Caches nothing: no Redis, or the feature turned off. */
    KvPrefixStore NONE = new KvPrefixStore() {
        @Override
        public int blockTokens() {
            return Integer.MAX_VALUE;
        }

        @Override
        public List<KvBlock> lookup(String modelId, long fingerprint, int[] prompt) {
            return List.of();
        }

        @Override
        public long store(String modelId, int[] prompt, List<KvBlock> blocks) {
            return 0;
        }
    };

    int blockTokens();

    /** The stored blocks of the prompt's prefix, consecutive from position 0; empty when the first is missing. */
    List<KvBlock> lookup(String modelId, long fingerprint, int[] prompt);

    /**
     * Stores blocks of the prompt (block k covers positions {@code [k*B, (k+1)*B)}), in order, until one does not
     * fit the budget.
     *
     * @return the bytes stored
     */
    long store(String modelId, int[] prompt, List<KvBlock> blocks);

    /** Frees the connection, if any. */
    @Override
    default void close() {
    }

    /** What ties stored states to one publication of a model: its id, files and time. */
    static long fingerprint(ModelAnnouncement model) {
        byte[] bytes = (model.modelId() + "\n" + model.artifact() + "\n" + model.createdAt())
                .getBytes(StandardCharsets.UTF_8);
        long hash = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }
}
