package dev.llmmesh.tokenizer;

import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.RedisShardCache;
import dev.llmmesh.mesh.ShardCache;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.context.annotation.Bean;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Producer;

import io.lettuce.core.RedisClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Beans that wire mesh's plain-Java pieces to this service's configuration. */
@Factory
class InfrastructureFactory {
    private static final Logger LOG = LoggerFactory.getLogger(InfrastructureFactory.class);
    private final short replicationFactor;

    InfrastructureFactory(@Value("${llm.kafka.replication-factor:1}") short replicationFactor) {
        this.replicationFactor = replicationFactor;
    }
    @Singleton
    ArtifactStore artifactStore(@Value("${llm.artifacts.dir}") String dir) {
        return new FileArtifactStore(Path.of(dir));
    }

    @Singleton
    TokenizerRegistry tokenizers(ArtifactStore artifacts) {
        return new TokenizerRegistry(artifacts);
    }

    /** Without REDIS_URI the service still works: shards live in the artifact store only. */
    @Singleton
    ShardCache shardCache(@Value("${redis.uri:}") String redisUri, Optional<RedisClient> redis,
                          @Value("${llm.redis.token-shard-ttl:7d}") Duration ttl) {
        if (redisUri.isBlank() || redis.isEmpty()) {
            LOG.warn("REDIS_URI is not set: the Redis token cache is off; shards are only in the artifact store");
            return ShardCache.NONE;
        }
        return new RedisShardCache(redis.get(), ttl);
    }

    @Singleton
    DeadLetters deadLetters(@KafkaClient("dead-letters") Producer<String, byte[]> producer) {
        return new DeadLetters(producer);
    }

    /** micronaut-kafka creates these at startup if missing, with the partition counts the mesh agreed on. */
    @Bean
    NewTopic tokenizerJobsTopic() {
        return topic(Topics.TOKENIZER_JOBS);
    }

    @Bean
    NewTopic jobEventsTopic() {
        return topic(Topics.JOB_EVENTS);
    }

    @Bean
    NewTopic deadLetterTopic() {
        return topic(Topics.DEAD_LETTER);
    }

    private NewTopic topic(String name) {
        return new NewTopic(name, Topics.PARTITIONS.get(name), replicationFactor);
    }
}
