package dev.llmmesh.gateway.jobs;

import dev.llmmesh.mesh.Topics;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
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
 * Knows whether the job board has caught up with what {@code llm.jobs.events} held when the gateway started,
 * so that after a restart the gateway does not answer "no such job" for a job it simply has not replayed yet.
 */
@Singleton
public class ReplayBarrier {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayBarrier.class);

    /** Per partition, the offset the replay must pass; removed once passed. */
    private final Map<Integer, Long> pending = new ConcurrentHashMap<>();
    private final Object lock = new Object();

    public ReplayBarrier(@Value("${kafka.bootstrap.servers}") String bootstrap) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
            List<PartitionInfo> partitions = consumer.partitionsFor(Topics.JOB_EVENTS, Duration.ofSeconds(15));
            if (partitions != null) {
                List<TopicPartition> tps = partitions.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.endOffsets(tps).forEach((tp, end) -> {
                    if (end > 0) {
                        pending.put(tp.partition(), end - 1);
                    }
                });
            }
        } catch (RuntimeException e) {
            // A broker that is not reachable yet must not stop the gateway; the board fills as events arrive.
            LOG.warn("could not read the end of {} ({}); job history appears as it is replayed", Topics.JOB_EVENTS,
                    e.toString());
        }
        LOG.info("replaying {}: {} partitions to catch up", Topics.JOB_EVENTS, pending.size());
    }

    void passed(int partition, long offset) {
        Long target = pending.get(partition);
        if (target != null && offset >= target) {
            pending.remove(partition);
            if (pending.isEmpty()) {
                LOG.info("job history replayed");
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
