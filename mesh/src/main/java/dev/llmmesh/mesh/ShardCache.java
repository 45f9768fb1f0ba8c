package dev.llmmesh.mesh;

import java.util.Optional;

/**
 * Token shards kept hot in Redis under {@code llm:tok:{tokenizerId}:{datasetId}:{shard}}; the artifact
 * store stays the source of truth, so every method may find nothing.
 */
public interface ShardCache {
    /** For a stack without Redis. */
    ShardCache NONE = new ShardCache() {
        @Override
        public void put(String tokenizerId, String datasetId, int shard, byte[] packedTokens) {
        }

        @Override
        public Optional<byte[]> get(String tokenizerId, String datasetId, int shard) {
            return Optional.empty();
        }
    };

    void put(String tokenizerId, String datasetId, int shard, byte[] packedTokens);

    Optional<byte[]> get(String tokenizerId, String datasetId, int shard);
}
