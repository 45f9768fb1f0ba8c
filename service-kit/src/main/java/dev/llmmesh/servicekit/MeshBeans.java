package dev.llmmesh.servicekit;

import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.GuardedRedis;
import dev.llmmesh.mesh.RedisShardCache;
import dev.llmmesh.mesh.ShardCache;
import dev.llmmesh.mesh.TokenizerRegistry;
import io.lettuce.core.RedisClient;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/** mesh's plain-Java pieces as beans, configured from the environment (LLM_ARTIFACTS_DIR, REDIS_URI). */
@Factory
class MeshBeans {
    private static final Logger LOG = LoggerFactory.getLogger(MeshBeans.class);

    /** A directory: core writes checkpoints and models as files. */
    @Singleton
    FileArtifactStore artifactStore(@Value("${llm.artifacts.dir}") String dir) {
        return new FileArtifactStore(Path.of(dir));
    }

    @Singleton
    TokenizerRegistry tokenizers(FileArtifactStore artifacts) {
        return new TokenizerRegistry(artifacts);
    }

    /**
     * The one way to Redis for every cache of the service (token shards, KV prefixes, rate limits): short
     * timeouts and one circuit breaker, see {@link GuardedRedis}. Absent without REDIS_URI.
     */
    @Singleton
    @Bean(preDestroy = "close")
    @Requires(property = "redis.uri", pattern = ".+")
    GuardedRedis guardedRedis(RedisClient client, @Value("${redis.uri}") String redisUri,
                              @Value("${llm.redis.connect-timeout:1s}") Duration connectTimeout,
                              @Value("${llm.redis.command-timeout:1s}") Duration commandTimeout,
                              @Value("${llm.redis.cool-down:5s}") Duration coolDown) {
        return new GuardedRedis(client, redisUri, new GuardedRedis.Settings(connectTimeout, commandTimeout, coolDown),
                Clock.systemUTC());
    }

    /** Without REDIS_URI a service still works: token shards live in the artifact store only. */
    @Singleton
    ShardCache shardCache(Optional<GuardedRedis> redis, @Value("${llm.redis.token-shard-ttl:7d}") Duration ttl) {
        if (redis.isEmpty()) {
            LOG.warn("REDIS_URI is not set: the Redis token cache is off; shards are only in the artifact store");
            return ShardCache.NONE;
        }
        return new RedisShardCache(redis.get(), ttl);
    }

    @Singleton
    DeadLetters deadLetters(@KafkaClient("dead-letters") Producer<String, byte[]> producer) {
        return new DeadLetters(producer);
    }
}
