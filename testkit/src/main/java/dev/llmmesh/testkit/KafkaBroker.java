package dev.llmmesh.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Kafka broker running inside the test JVM: one KRaft node that is both controller and broker.
 *
 * <p>In-process rather than a container because the build machines have no Docker engine, and
 * rather than a mock because the services rely on real partitioning, consumer groups and
 * compaction. Listeners bind to port 0, so parallel JVMs never collide.
 */
public final class KafkaBroker implements AutoCloseable {

    /** Topic creation is a metadata round trip on a single node; anything slower is a hang. */
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    /** Exit's hook adder is JVM-global; two brokers starting at once must not reset it under each other. */
    private static final Object EXIT_HOOK_LOCK = new Object();

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
    }

    /** Formats a fresh log directory, starts the node and waits until the broker accepts clients. */
    public static KafkaBroker start() {
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = withoutKafkaShutdownHooks(() -> new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    // The test kit defaults to the newest *unstable* metadata version (4.0-IV1 in
                    // 3.9.1); pin the one a real 3.9 broker runs so tests see production behaviour.
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .build());
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            singleNodeDefaults().forEach(builder::setConfigProp);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaBroker(cluster);
        } catch (Exception e) {
            closeQuietly(cluster, e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Kafka test broker failed to start", e);
        }
    }

    /**
     * Kafka's test utilities register a JVM shutdown hook that deletes the log directory. Hooks run
     * concurrently, so when a broker is stopped from a shutdown hook (as {@link MeshInfra} does)
     * the directory vanishes under the closing broker and it logs pages of FileNotFoundExceptions.
     * The hook is redundant: {@link KafkaClusterTestKit#close()} deletes the directory itself, after
     * the broker has stopped. So the hooks registered while the nodes are built are dropped.
     */
    private static TestKitNodes withoutKafkaShutdownHooks(Supplier<TestKitNodes> build) {
        synchronized (EXIT_HOOK_LOCK) {
            Exit.setShutdownHookAdder((name, hook) -> { });
            try {
                return build.get();
            } finally {
                Exit.resetShutdownHookAdder();
            }
        }
    }

    /**
     * Production defaults assume three replicas and a rebalance grace period; on one node those
     * either make internal topics impossible to create or add seconds to every consumer group join.
     */
    private static Map<String, String> singleNodeDefaults() {
        return Map.of(
                "auto.create.topics.enable", "true",
                "num.partitions", "1",
                "default.replication.factor", "1",
                "offsets.topic.replication.factor", "1",
                // 50 offset partitions would be created on the first group join; one is plenty here.
                "offsets.topic.num.partitions", "1",
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "transaction.state.log.num.partitions", "1",
                "group.initial.rebalance.delay.ms", "0");
    }

    /** The {@code host:port} list to hand to clients ({@code bootstrap.servers}). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates the topics (replication factor 1) and returns once the broker serves their metadata.
     * Topics that already exist are left as they are, so every test class may declare what it needs.
     */
    public void createTopics(Map<String, Integer> partitionsByName) {
        if (partitionsByName.isEmpty()) {
            return;
        }
        List<NewTopic> topics = partitionsByName.entrySet().stream()
                .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                .toList();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()))) {
            admin.createTopics(topics).values().forEach((name, future) -> awaitIgnoringExisting(name, future));
            awaitMetadata(admin, partitionsByName.keySet());
        }
    }

    private static void awaitIgnoringExisting(String topic, org.apache.kafka.common.KafkaFuture<Void> future) {
        try {
            future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create topic " + topic, e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        }
    }

    /**
     * The controller acknowledges creation when the record is committed, which can be a moment
     * before the broker has applied it; a test that describes or produces right away would then
     * see UnknownTopicOrPartition. Waiting here keeps that race out of every caller.
     */
    private static void awaitMetadata(Admin admin, Set<String> topics) {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                boolean allLed = described.values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                if (allLed) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("could not describe topics " + topics, e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("timed out describing topics " + topics, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing topics " + topics, e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + topics + " did not appear on the broker within " + ADMIN_TIMEOUT);
            }
            sleep(Duration.ofMillis(20));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Stops the node and deletes its log directories. */
    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("Kafka test broker did not shut down cleanly", e);
        }
    }

    private static void closeQuietly(KafkaClusterTestKit cluster, Exception primary) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception suppressed) {
            primary.addSuppressed(suppressed);
        }
    }
}
