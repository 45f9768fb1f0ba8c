package dev.llmmesh.testkit;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The infrastructure every service test shares: one Kafka broker and one redis-server per test JVM.
 *
 * <p>Started on the first {@link #get()} and stopped by a shutdown hook, not per test class: a
 * broker costs seconds to start, and tests stay independent by using their own topics, consumer
 * groups and key prefixes instead.
 */
public final class MeshInfra {

    private static final Logger LOG = LoggerFactory.getLogger(MeshInfra.class);

    /** Micronaut's property for micronaut-kafka. */
    public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    /** Micronaut's property for micronaut-redis-lettuce. */
    public static final String REDIS_URI = "redis.uri";

    private static MeshInfra instance;
    /** Remembered so that later test classes fail at once instead of each retrying a slow start. */
    private static RuntimeException startFailure;

    private final KafkaBroker kafka;
    private final RedisServer redis;

    private MeshInfra(KafkaBroker kafka, RedisServer redis) {
        this.kafka = kafka;
        this.redis = redis;
    }

    /** The JVM-wide instance, started on first use. */
    public static synchronized MeshInfra get() {
        if (instance != null) {
            return instance;
        }
        if (startFailure != null) {
            throw new IllegalStateException("test infrastructure failed to start earlier in this JVM", startFailure);
        }
        try {
            instance = start();
        } catch (RuntimeException e) {
            startFailure = e;
            throw e;
        }
        return instance;
    }

    private static MeshInfra start() {
        // Redis first: it fails fast (binary missing) and costs ~50 ms, so a broken setup is
        // reported before paying for the broker.
        long t0 = System.nanoTime();
        RedisServer redis = RedisServer.start();
        long t1 = System.nanoTime();
        KafkaBroker kafka;
        try {
            kafka = KafkaBroker.start();
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        long t2 = System.nanoTime();
        // One line per JVM, so a slow test run can be told apart from slow infrastructure.
        LOG.info("test infrastructure up: redis-server at {} in {} ms, Kafka at {} in {} ms",
                redis.uri(), (t1 - t0) / 1_000_000, kafka.bootstrapServers(), (t2 - t1) / 1_000_000);
        MeshInfra infra = new MeshInfra(kafka, redis);
        Runtime.getRuntime().addShutdownHook(new Thread(infra::stop, "mesh-infra-shutdown"));
        return infra;
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String redisUri() {
        return redis.uri();
    }

    /** Micronaut configuration that points a service at this infrastructure. */
    public Map<String, String> properties() {
        return Map.of(KAFKA_BOOTSTRAP_SERVERS, kafkaBootstrapServers(), REDIS_URI, redisUri());
    }

    /** See {@link KafkaBroker#createTopics(Map)}. */
    public void createTopics(Map<String, Integer> partitionsByName) {
        kafka.createTopics(partitionsByName);
    }

    private void stop() {
        long t0 = System.nanoTime();
        // Each one on its own: a broker that fails to stop must not leave redis-server running.
        try {
            kafka.close();
        } catch (RuntimeException e) {
            LOG.warn("Kafka test broker did not stop cleanly", e);
        } finally {
            redis.close();
        }
        LOG.info("test infrastructure stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }
}
