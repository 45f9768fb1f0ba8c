package dev.llmmesh.inference.kv;

import java.time.Duration;

/**
 * The {@code llm.inference.kv-prefix} block.
 *
 * @param blockTokens   prefixes are cached in whole blocks of this many tokens
 * @param ttl           how long an entry lives after it was written
 * @param maxEntryBytes a block larger than this is not stored (a big model's blocks would crowd out all else)
 * @param budgetBytes   what one model's entries may take in Redis together, counted over a TTL window
 * @param lookupTimeout how long a prefill waits for Redis before it computes the whole prompt itself: the lookup
 *                      runs on the model's engine thread, so a slow Redis must not stall every sequence of the model
 * @param storeTimeout  how long one write of a store may take (a block can be megabytes; stores run on a writer
 *                      thread of their own): longer than {@code llm.redis.command-timeout}, and a store that runs
 *                      out of it is not an outage (the replica goes on using Redis)
 */
public record KvPrefixSettings(boolean enabled, int blockTokens, Duration ttl, long maxEntryBytes, long budgetBytes,
                               Duration lookupTimeout, Duration storeTimeout) {
    public KvPrefixSettings {
        if (blockTokens < 1) {
            throw new IllegalArgumentException("llm.inference.kv-prefix.block-tokens must be >= 1, got " + blockTokens);
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("llm.inference.kv-prefix.ttl must be positive, got " + ttl);
        }
        if (lookupTimeout.isNegative() || lookupTimeout.isZero()) {
            throw new IllegalArgumentException("llm.inference.kv-prefix.lookup-timeout must be positive, got "
                    + lookupTimeout);
        }
        if (storeTimeout.isNegative() || storeTimeout.isZero()) {
            throw new IllegalArgumentException("llm.inference.kv-prefix.store-timeout must be positive, got "
                    + storeTimeout);
        }
    }
}
