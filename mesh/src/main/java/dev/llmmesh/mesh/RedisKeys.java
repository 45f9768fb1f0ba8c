package dev.llmmesh.mesh;

/** The Redis key layout shared by all services. */
public final class RedisKeys {
    private RedisKeys() {
    }

    /** A shard of token ids, packed little-endian int32 (see {@link TokenShards}). */
    public static String tokenShard(String tokenizerId, String datasetId, int shard) {
        return "llm:tok:" + tokenizerId + ":" + datasetId + ":" + shard;
    }

    public static String kvPrefix(String modelId, String prefixSha256) {
        return "llm:kv:" + modelId + ":" + prefixSha256;
    }

    /** Requests of one API key in one rate-limit window (the window's number since the epoch). */
    public static String rateLimit(String keyName, long window) {
        return "llm:ratelimit:" + keyName + ":" + window;
    }

    public static String job(String jobId) {
        return "llm:job:" + jobId;
    }
}
