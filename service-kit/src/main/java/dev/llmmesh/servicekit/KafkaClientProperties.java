package dev.llmmesh.servicekit;

import io.micronaut.configuration.kafka.config.KafkaDefaultConfiguration;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@code kafka.*} settings (bootstrap servers, security, ...) for the consumers this service drives itself,
 * so they reach the same cluster the same way as micronaut-kafka's own clients.
 */
@Singleton
public class KafkaClientProperties {
    private final KafkaDefaultConfiguration kafka;

    public KafkaClientProperties(KafkaDefaultConfiguration kafka) {
        this.kafka = kafka;
    }

    /** The configured consumer settings, then {@code overrides}. */
    public Map<String, Object> consumer(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>();
        kafka.getConfig().forEach((key, value) -> {
            if (ConsumerConfig.configNames().contains(key.toString())) {
                props.put(key.toString(), value);
            }
        });
        props.putAll(overrides);
        return props;
    }
}
