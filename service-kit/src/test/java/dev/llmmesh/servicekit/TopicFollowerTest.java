package dev.llmmesh.servicekit;

import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One follower per case, on the real test broker, each on a topic of its own. */
class TopicFollowerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static Map<String, Object> config() {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, MeshInfra.get().kafkaBootstrapServers());
    }

    private static String topic() {
        return "follower-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    private static List<String> keys(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(ConsumerRecord::key).toList();
    }

    @Test
    void fromTheBeginningReadsWhatWasThereThenFollowsAndReachesTheEnd() throws Exception {
        String topic = topic();
        MeshInfra.get().createTopics(Map.of(topic, 2));
        KafkaProbe.send(topic, "old", new byte[] {1});
        List<ConsumerRecord<String, byte[]>> seen = new CopyOnWriteArrayList<>();
        List<Map<TopicPartition, Long>> starts = new CopyOnWriteArrayList<>();
        try (var follower = new TopicFollower("test-begin", config(), topic, TopicFollower.From.BEGINNING,
                new TopicFollower.Reader() {
                    @Override
                    public void started(Map<TopicPartition, Long> ends) {
                        starts.add(ends);
                    }

                    @Override
                    public void record(ConsumerRecord<String, byte[]> record) {
                        seen.add(record);
                    }
                })) {
            await(() -> seen.size() == 1, "the record published before it started is read");
            KafkaProbe.send(topic, "new", new byte[] {2});
            await(() -> seen.size() == 2, "a record published after is read");
            assertEquals(List.of("old", "new"), keys(seen));
            assertEquals(1, starts.size());
            assertEquals(1L, starts.getFirst().values().stream().mapToLong(Long::longValue).sum(),
                    "the ends at start hold the one old record");
            await(() -> TopicFollower.reached(follower.positions(), Map.of(
                    new TopicPartition(topic, seen.get(1).partition()), seen.get(1).offset() + 1)),
                    "the positions pass the last record");
            assertEquals("reading", follower.state());
            assertEquals(2, follower.positions().size(), "one position per partition");
        }
    }

    @Test
    void fromTheEndSkipsWhatWasThere() throws Exception {
        String topic = topic();
        MeshInfra.get().createTopics(Map.of(topic, 1));
        KafkaProbe.send(topic, "before", new byte[] {1});
        List<ConsumerRecord<String, byte[]>> seen = new CopyOnWriteArrayList<>();
        try (var follower = new TopicFollower("test-end", config(), topic, TopicFollower.From.END, seen::add)) {
            // "reading" is set once the end is resolved: what is sent after is after it.
            await(() -> "reading".equals(follower.state()), "the follower is positioned");
            KafkaProbe.send(topic, "after", new byte[] {2});
            await(() -> !seen.isEmpty(), "a record published after it started is read");
            Thread.sleep(500);
            assertEquals(List.of("after"), keys(seen));
        }
    }

    @Test
    void waitsForATopicCreatedLaterWithoutCreatingIt() throws Exception {
        String topic = topic();
        List<ConsumerRecord<String, byte[]>> seen = new CopyOnWriteArrayList<>();
        var follower = new TopicFollower("test-wait", config(), topic, TopicFollower.From.BEGINNING, seen::add);
        try {
            Thread.sleep(1000);
            assertEquals("starting", follower.state(), "no topic yet");
            MeshInfra.get().createTopics(Map.of(topic, 1));
            KafkaProbe.send(topic, "first", new byte[] {1});
            await(() -> !seen.isEmpty(), "the record on the topic created later is read");
            assertEquals(List.of("first"), keys(seen));
        } finally {
            follower.close();
        }
        assertFalse(follower.running());
    }

    @Test
    void closeStopsAFollowerStillWaitingForItsTopic() throws Exception {
        var follower = new TopicFollower("test-close", config(), topic(), TopicFollower.From.BEGINNING, r -> { });
        long started = System.nanoTime();
        follower.close();
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 10,
                "closed without the join timing out");
        assertFalse(follower.running());
    }

    @Test
    void reachedNeedsEveryPartitionOfTheEnds() {
        var p0 = new TopicPartition("t", 0);
        var p1 = new TopicPartition("t", 1);
        assertTrue(TopicFollower.reached(Map.of(p0, 3L, p1, 0L), Map.of(p0, 3L, p1, 0L)));
        assertFalse(TopicFollower.reached(Map.of(p0, 3L), Map.of(p0, 3L, p1, 0L)), "an unpositioned partition");
        assertFalse(TopicFollower.reached(Map.of(p0, 2L, p1, 0L), Map.of(p0, 3L, p1, 0L)));
    }
}
