package dev.llmmesh.gateway.models;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** Every gateway instance reads the whole registry topic; it is compacted, so that is one record per model. */
@KafkaListener(groupId = "gateway-models-${random.uuid}", offsetReset = OffsetReset.EARLIEST,
        offsetStrategy = OffsetStrategy.DISABLED)
public class ModelsListener {
    private static final Logger LOG = LoggerFactory.getLogger(ModelsListener.class);

    private final ModelRegistry registry;

    public ModelsListener(ModelRegistry registry) {
        this.registry = registry;
    }

    @Topic(Topics.MODELS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            registry.remove(record.key());
            return;
        }
        try {
            registry.put(Json.LENIENT.readValue(record.value(), ModelAnnouncement.class));
        } catch (IOException | RuntimeException e) {
            // Compaction keeps a bad record until the model is announced again; skipping it is all one can do.
            LOG.warn("ignoring unreadable model announcement {} at {}@{}: {}", record.key(), record.partition(),
                    record.offset(), e.toString());
        }
    }
}
