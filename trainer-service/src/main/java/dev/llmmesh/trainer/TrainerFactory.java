package dev.llmmesh.trainer;

import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.RedisShardCache;
import dev.llmmesh.mesh.ShardCache;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import io.lettuce.core.RedisClient;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Wires mesh's plain-Java pieces to this service. The artifact store is a directory because checkpoints
 * and models are written as files by core.
 */
@Factory
class TrainerFactory {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerFactory.class);

    private final short replicationFactor;

    TrainerFactory(@Value("${llm.kafka.replication-factor:1}") short replicationFactor) {
        this.replicationFactor = replicationFactor;
    }

    @Singleton
    FileArtifactStore artifactStore(@Value("${llm.artifacts.dir}") String dir) {
        return new FileArtifactStore(Path.of(dir));
    }

    @Singleton
    TokenizerRegistry tokenizers(FileArtifactStore artifacts) {
        return new TokenizerRegistry(artifacts);
    }

    /** Batches come from Redis when tokenizer-service cached them, else from the artifact store. */
    @Singleton
    ShardCache shardCache(@Value("${redis.uri:}") String redisUri, Optional<RedisClient> redis) {
        if (redisUri.isBlank() || redis.isEmpty()) {
            LOG.warn("REDIS_URI is not set: token shards are read from the artifact store only");
            return ShardCache.NONE;
        }
        return new RedisShardCache(redis.get(), Duration.ofDays(7));
    }

    @Singleton
    DeadLetters deadLetters(@KafkaClient("dead-letters") Producer<String, byte[]> producer) {
        return new DeadLetters(producer);
    }

    @Bean
    NewTopic trainerJobs() {
        return topic(Topics.TRAINER_JOBS);
    }

    @Bean
    NewTopic jobEvents() {
        return topic(Topics.JOB_EVENTS);
    }

    @Bean
    NewTopic jobControl() {
        return topic(Topics.JOB_CONTROL);
    }

    @Bean
    NewTopic deadLetter() {
        return topic(Topics.DEAD_LETTER);
    }

    /** Compacted: the registry keeps every model's latest announcement forever. */
    @Bean
    NewTopic models() {
        return topic(Topics.MODELS).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    private NewTopic topic(String name) {
        return new NewTopic(name, Topics.PARTITIONS.get(name), replicationFactor);
    }
}
