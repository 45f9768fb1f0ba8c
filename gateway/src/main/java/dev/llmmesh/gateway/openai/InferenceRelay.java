package dev.llmmesh.gateway.openai;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CompletionChunk;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Hands chunks from {@code llm.inference.events} to the requests this gateway instance is waiting on. Every instance
 * reads every partition (a group of its own, from the end: only requests sent after it started are its own).
 */
@KafkaListener(groupId = "gateway-inference-${random.uuid}", offsetReset = OffsetReset.LATEST,
        offsetStrategy = OffsetStrategy.DISABLED)
public class InferenceRelay implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceRelay.class);

    private final Map<String, Consumer<CompletionChunk>> waiting = new ConcurrentHashMap<>();
    private volatile boolean assigned;

    @Topic(Topics.INFERENCE_EVENTS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        Consumer<CompletionChunk> receiver = waiting.get(record.key());
        if (receiver == null) {
            return;
        }
        try {
            receiver.accept(Json.LENIENT.readValue(record.value(), CompletionChunk.class));
        } catch (IOException | RuntimeException e) {
            LOG.warn("unreadable inference chunk for {} at {}@{}: {}", record.key(), record.partition(),
                    record.offset(), e.toString());
        }
    }

    /** Must be called before the request is sent, so that no chunk can arrive unclaimed. */
    void await(String requestId, Consumer<CompletionChunk> receiver) {
        waiting.put(requestId, receiver);
    }

    void release(String requestId) {
        waiting.remove(requestId);
    }

    /**
     * Until the consumer has its partitions, chunks written now would be skipped ("from the end" is decided at
     * assignment), so requests are refused rather than left waiting for chunks that will never be read.
     */
    boolean ready() {
        return assigned;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        assigned = !partitions.isEmpty();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        assigned = false;
    }
}
