package dev.llmmesh.servicekit;

import dev.llmmesh.mesh.Topics;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

import java.util.Map;

/**
 * Every mesh topic, with the partition counts of {@link Topics#PARTITIONS}; micronaut-kafka creates the
 * missing ones at startup, so whichever service starts first sets the topics up for all.
 */
@Factory
class MeshTopics {
    private final short replicationFactor;

    MeshTopics(@Value("${llm.kafka.replication-factor:1}") short replicationFactor) {
        this.replicationFactor = replicationFactor;
    }

    @Bean
    NewTopic tokenizerJobs() {
        return topic(Topics.TOKENIZER_JOBS);
    }

    @Bean
    NewTopic trainerJobs() {
        return topic(Topics.TRAINER_JOBS);
    }

    @Bean
    NewTopic evalJobs() {
        return topic(Topics.EVAL_JOBS);
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
    NewTopic models() {
        return topic(Topics.MODELS);
    }

    @Bean
    NewTopic inferenceRequests() {
        return topic(Topics.INFERENCE_REQUESTS);
    }

    @Bean
    NewTopic inferenceEvents() {
        return topic(Topics.INFERENCE_EVENTS);
    }

    @Bean
    NewTopic evalResults() {
        return topic(Topics.EVAL_RESULTS);
    }

    @Bean
    NewTopic deadLetter() {
        return topic(Topics.DEAD_LETTER);
    }

    private NewTopic topic(String name) {
        var topic = new NewTopic(name, Topics.PARTITIONS.get(name), replicationFactor);
        // The model registry keeps every model's latest announcement forever.
        return Topics.COMPACTED.contains(name)
                ? topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)) : topic;
    }
}
