package dev.llmmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final MeshInfra infra = MeshInfra.get();

    @Test
    void recordProducedToAnAutoCreatedTopicReachesASubscribedConsumerGroup() throws Exception {
        String topic = unique("roundtrip");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig())) {
            producer.send(new ProducerRecord<>(topic, "job-1", "hello")).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(unique("group")))) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> received = pollUntil(consumer, 1);

            assertEquals(1, received.size());
            assertEquals("job-1", received.getFirst().key());
            assertEquals("hello", received.getFirst().value());
        }
    }

    @Test
    void createTopicsCreatesTheRequestedPartitionsAndToleratesExistingTopics() throws Exception {
        String topic = unique("four");
        infra.createTopics(Map.of(topic, 4));
        infra.createTopics(Map.of(topic, 4)); // a second test class declaring the same topic must not fail

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()))) {
            TopicDescription description = admin.describeTopics(List.of(topic)).topicNameValues().get(topic)
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(4, description.partitions().size());
            assertEquals(1, description.partitions().getFirst().replicas().size());
        }
    }

    /** Polls until {@code expected} records arrived or {@link #WAIT} ran out, whichever is first. */
    private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int expected) {
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (received.size() < expected && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(received::add);
        }
        return received;
    }

    private Properties producerConfig() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) WAIT.toMillis());
        return config;
    }

    private Properties consumerConfig(String groupId) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return config;
    }

    private static String unique(String prefix) {
        return "testkit." + prefix + "." + UUID.randomUUID();
    }
}
