package dev.llmmesh.servicekit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Knows whether a listener that reads a topic from its start has caught up with what the topic held when this
 * was created: state folded from a log (job history, cancel requests) must not be consulted half-replayed. The
 * listener reports every record it has handled to {@link #passed}.
 */
public class TopicCatchUp {
    private static final Logger LOG = LoggerFactory.getLogger(TopicCatchUp.class);

    private final String topic;
    /** Per partition, the offset the replay must pass; removed once passed. */
    private final Map<Integer, Long> pending = new ConcurrentHashMap<>();
    private final Object lock = new Object();

    public TopicCatchUp(String bootstrap, String topic) {
        this.topic = topic;
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15));
            if (partitions != null) {
                List<TopicPartition> tps = partitions.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps);
                consumer.endOffsets(tps).forEach((tp, end) -> {
                    // a partition whose records retention has all deleted has nothing to replay
                    if (end > begin.getOrDefault(tp, 0L)) {
                        pending.put(tp.partition(), end - 1);
                    }
                });
            }
        } catch (RuntimeException e) {
            // A broker that is not reachable yet must not stop the service; the state fills as records arrive.
            LOG.warn("could not read the end of {} ({}); its state appears as it is replayed", topic, e.toString());
        }
        LOG.info("replaying {}: {} partitions to catch up", topic, pending.size());
    }

    public void passed(int partition, long offset) {
        Long target = pending.get(partition);
        if (target != null && offset >= target) {
            pending.remove(partition);
            if (pending.isEmpty()) {
                LOG.info("{} replayed", topic);
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        }
    }

    public boolean caughtUp() {
        return pending.isEmpty();
    }

    /** @return whether the replay finished within {@code timeout} */
    public boolean await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!pending.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }
}
