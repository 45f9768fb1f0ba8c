package dev.llmmesh.tokenizer.jobs;

import java.util.Optional;

/** Token shards kept hot for the trainer, under {@code llm:tok:{tokenizerId}:{datasetId}:{shard}}. */
public interface ShardCache {
    void put(String tokenizerId, String datasetId, int shard, byte[] packedTokens);

    Optional<byte[]> get(String tokenizerId, String datasetId, int shard);
}
