package dev.llmmesh.inference.kv;

import dev.llmmesh.mesh.GuardedRedis;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;

@Factory
class KvPrefixBeans {
    private static final Logger LOG = LoggerFactory.getLogger(KvPrefixBeans.class);

    @Singleton
    KvPrefixSettings settings(@Value("${llm.inference.kv-prefix.enabled:true}") boolean enabled,
                              @Value("${llm.inference.kv-prefix.block-tokens:64}") int blockTokens,
                              @Value("${llm.inference.kv-prefix.ttl:1h}") Duration ttl,
                              @Value("${llm.inference.kv-prefix.max-entry-bytes:33554432}") long maxEntryBytes,
                              @Value("${llm.inference.kv-prefix.budget-bytes:1073741824}") long budgetBytes,
                              @Value("${llm.inference.kv-prefix.lookup-timeout:250ms}") Duration lookupTimeout,
                              @Value("${llm.inference.kv-prefix.store-timeout:5s}") Duration storeTimeout) {
        return new KvPrefixSettings(enabled, blockTokens, ttl, maxEntryBytes, budgetBytes, lookupTimeout,
                storeTimeout);
    }

    /** Without REDIS_URI the replica prefills every prompt itself. */
    @Singleton
    @Bean(preDestroy = "close")
    KvPrefixStore store(KvPrefixSettings settings, Optional<GuardedRedis> redis) {
        if (!settings.enabled()) {
            return KvPrefixStore.NONE;
        }
        if (redis.isEmpty()) {
            LOG.warn("REDIS_URI is not set: prompt prefix KV states are not shared between replicas");
            return KvPrefixStore.NONE;
        }
        return new RedisKvPrefixStore(redis.get(), settings);
    }
}
