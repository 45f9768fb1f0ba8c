package dev.llmmesh.bench;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CompletionChunk;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a request's time goes between the hops: reads {@code llm.inference.requests} and {@code llm.inference.events}
 * beside the services (every partition, no group, nothing committed) and keeps, per request id, the create
 * timestamps the producers stamped on its request record and on its first and last chunk. Every process runs on
 * this machine's clock, so these line up with the benchmark's own wall-clock readings (to the millisecond, the
 * timestamps' resolution).
 */
final class KafkaTimeline implements AutoCloseable {
    /** Producer timestamps (epoch ms) of one request's records; -1 until seen. */
    record Marks(long requestMs, long firstChunkMs, long lastChunkMs, int chunks) {
        Marks withChunk(long ms, boolean last) {
            return new Marks(requestMs, firstChunkMs < 0 ? ms : firstChunkMs, last ? ms : lastChunkMs, chunks + 1);
        }

        boolean complete() {
            return requestMs >= 0 && lastChunkMs >= 0;
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Marks> marks = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    KafkaTimeline(String bootstrap) {
        consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.INFERENCE_REQUESTS, Topics.INFERENCE_EVENTS)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolve the end offsets now, so nothing sent after this constructor returns is skipped.
        partitions.forEach(consumer::position);
        thread = Thread.ofPlatform().daemon().name("kafka-timeline").start(this::run);
    }

    /** The marks of a request once its last chunk has been read, waiting up to {@code timeout} for it. */
    Optional<Marks> await(String requestId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Marks m = marks.get(requestId);
            if (m != null && m.complete()) {
                marks.remove(requestId);
                return Optional.of(m);
            }
            Thread.sleep(1);
        }
        return Optional.empty();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    note(record);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void note(ConsumerRecord<String, byte[]> record) {
        long ms = record.timestamp();
        if (record.topic().equals(Topics.INFERENCE_REQUESTS)) {
            try {
                String id = Json.LENIENT.readTree(record.value()).path("requestId").asText(record.key());
                marks.merge(id, new Marks(ms, -1, -1, 0),
                        (old, fresh) -> new Marks(ms, old.firstChunkMs(), old.lastChunkMs(), old.chunks()));
            } catch (IOException e) {
                // Not a request this benchmark can read; nothing to note.
            }
            return;
        }
        try {
            CompletionChunk chunk = Json.LENIENT.readValue(record.value(), CompletionChunk.class);
            marks.compute(chunk.requestId(), (id, old) ->
                    (old == null ? new Marks(-1, -1, -1, 0) : old).withChunk(ms, chunk.last()));
        } catch (IOException e) {
            // Not a chunk this benchmark sent for; nothing to note.
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
