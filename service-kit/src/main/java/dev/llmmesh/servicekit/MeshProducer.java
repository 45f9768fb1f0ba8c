package dev.llmmesh.servicekit;

import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.Topic;

/**
 * Writes one record to a mesh topic and blocks until the broker acknowledged it (acks=all, idempotent), so
 * what a service reports is on the log before it moves on.
 */
@KafkaClient(id = "mesh-producer", acks = KafkaClient.Acknowledge.ALL)
public interface MeshProducer {
    void send(@Topic String topic, @KafkaKey String key, byte[] value);
}
