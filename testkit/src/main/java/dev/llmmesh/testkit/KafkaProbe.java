package dev.llmmesh.testkit;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Talks to the test broker the way a client of the mesh would: sends jobs, reads topics from the start. */
public final class KafkaProbe {
    private KafkaProbe() {
    }

    public static void send(String topic, String key, byte[] value) throws Exception {
        send(topic, key, value, Map.of());
    }

    /** Sends with the given headers (UTF-8), e.g. a {@link TraceParent#HEADER} that starts a trace. */
    public static void send(String topic, String key, byte[] value, Map<String, String> headers) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, MeshInfra.get().kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            var record = new ProducerRecord<>(topic, key, value);
            headers.forEach((name, v) -> record.headers().add(name, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record).get();
        }
    }

    public static void send(String topic, String key, String json) throws Exception {
        send(topic, key, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads {@code topic} from the beginning until {@code done} holds for a record, or fails after the timeout. */
    public static List<ConsumerRecord<String, byte[]>> readUntil(String topic, Duration timeout,
                                                          Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, MeshInfra.get().kafkaBootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                if (done.test(seen)) {
                    return seen;
                }
            }
            throw new AssertionError("timed out after " + timeout + " reading " + topic + "; saw " + seen.size()
                    + " records");
        }
    }

    /** All events of one job, up to and including its first terminal one. */
    public static List<JobEvent> eventsUntilTerminal(String jobId, Duration timeout) {
        var records = readUntil(dev.llmmesh.mesh.Topics.JOB_EVENTS, timeout,
                seen -> events(seen, jobId).stream().anyMatch(e -> e.state().terminal()));
        return events(records, jobId);
    }

    public static List<JobEvent> events(List<ConsumerRecord<String, byte[]>> records, String jobId) {
        List<JobEvent> events = new ArrayList<>();
        for (var r : records) {
            if (jobId.equals(r.key())) {
                try {
                    events.add(Json.LENIENT.readValue(r.value(), JobEvent.class));
                } catch (IOException e) {
                    throw new AssertionError("unreadable job event " + new String(r.value(), StandardCharsets.UTF_8), e);
                }
            }
        }
        return events;
    }
}
