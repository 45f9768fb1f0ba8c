package dev.llmmesh.servicekit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows every partition of one topic on a thread of its own until closed. It assigns itself the partitions
 * instead of joining a consumer group: every instance needs every record (or its own answers among them), nothing
 * is committed, and no group is left behind per instance.
 *
 * <p>The topic may not exist yet when the first service starts: it is waited for (never auto-created, as a topic
 * created by accident would lack its settings, compaction above all). A failure (a broker slow to answer at
 * startup, a lost connection) does not end the following: after a growing pause it starts again from
 * {@link From}, and the {@link Reader} is told so through {@link Reader#started}.
 */
public final class TopicFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);

    /** Where reading starts, on the first start and on every restart. */
    public enum From { BEGINNING, END }

    /** Told on the follower's thread, one call at a time: keep it short. */
    public interface Reader {
        /**
         * The partitions are assigned and positioned, nothing is read yet: on the first start and again on each
         * restart (which reads from {@link From} again, so state folded from the records is re-read).
         *
         * @param ends where each partition ended at this start
         */
        default void started(Map<TopicPartition, Long> ends) {
        }

        void record(ConsumerRecord<String, byte[]> record);

        /** After each poll's records are handled, with where the follower stands now. */
        default void polled(Map<TopicPartition, Long> positions) {
        }
    }

    private final String topic;
    private final From from;
    private final Reader reader;
    private final KafkaConsumer<String, byte[]> consumer;
    /** Where the follower stands, per partition, with every record before it handled (empty while (re)starting). */
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> positionsView = Collections.unmodifiableMap(positions);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String state = "starting";

    /**
     * Starts following at once: create it last in its owner's constructor, as the reader may be called before
     * that constructor returns.
     *
     * @param name           the thread's name (and client id's prefix)
     * @param consumerConfig the Kafka consumer settings (bootstrap servers, security); the rest is set here
     */
    public TopicFollower(String name, Map<String, Object> consumerConfig, String topic, From from, Reader reader) {
        this.topic = topic;
        this.from = from;
        this.reader = reader;
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name + "-" + Integer.toHexString(System.identityHashCode(this)));
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    /** Starting, reading, or the last failure (it reads again after a pause): for {@code /health}. */
    public String state() {
        return state;
    }

    /** Where the follower stands per partition, live; a partition is absent until (re)positioned. */
    public Map<TopicPartition, Long> positions() {
        return positionsView;
    }

    /** Whether {@code positions} are past {@code ends} on every partition of {@code ends}. */
    public static boolean reached(Map<TopicPartition, Long> positions, Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }

    public boolean running() {
        return running;
    }

    private void run() {
        long pauseMillis = 500;
        try {
            while (running) {
                try {
                    read();
                } catch (WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    state = "failed (" + e + "); reading again";
                    // Positions of the failed read no longer say what was handled: a barrier waits for the next.
                    positions.clear();
                    LOG.warn("reading {} failed; reading it again in {} ms", topic, pauseMillis, e);
                    Thread.sleep(pauseMillis);
                    pauseMillis = Math.min(30_000, pauseMillis * 2);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void read() {
        List<TopicPartition> partitions = partitions();
        consumer.assign(partitions);
        if (from == From.BEGINNING) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        // Resolves the seek now: a record published after started() is read, whatever From says.
        partitions.forEach(p -> positions.put(p, consumer.position(p)));
        reader.started(ends);
        state = "reading";
        while (running) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                reader.record(record);
            }
            partitions.forEach(p -> positions.put(p, consumer.position(p)));
            reader.polled(positionsView);
        }
    }

    private List<TopicPartition> partitions() {
        while (running) {
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new WakeupException();
    }

    /** Stops reading and waits (up to 10 s) for the thread, which closes the consumer. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
