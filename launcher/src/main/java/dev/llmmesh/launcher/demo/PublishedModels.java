package dev.llmmesh.launcher.demo;

import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the model registry, {@code llm.models}, the way inference and eval replicas will: the demo shows a model
 * as published only once it has read the announcement back, not because the job said so.
 */
final class PublishedModels {
    /** An announcement and where it sits on the topic. */
    record Published(ModelAnnouncement model, int partition, long offset) {
    }

    private PublishedModels() {
    }

    /** The latest announcement of {@code modelId}, reading the whole (compacted) topic; empty if none within the wait. */
    static Optional<Published> find(String bootstrap, String modelId, Duration wait) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.CLIENT_ID_CONFIG, "llm-mesh-demo-models",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MODELS, wait).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, wait);
            Optional<Published> found = Optional.empty();
            long deadline = System.nanoTime() + wait.toNanos();
            // Read to the end as it was on arrival: a model announced twice counts by its latest record.
            while (System.nanoTime() < deadline && (found.isEmpty() || !atEnd(consumer, end))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(250))) {
                    if (modelId.equals(record.key()) && record.value() != null) {
                        found = Optional.of(new Published(parse(record), record.partition(), record.offset()));
                    }
                }
            }
            return found;
        }
    }

    private static boolean atEnd(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static ModelAnnouncement parse(ConsumerRecord<String, byte[]> record) {
        try {
            return Json.LENIENT.readValue(record.value(), ModelAnnouncement.class);
        } catch (IOException e) {
            throw new StackException("unreadable model announcement on " + Topics.MODELS + " at offset "
                    + record.offset() + ": " + e.getMessage(), e);
        }
    }
}
