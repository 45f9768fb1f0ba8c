package dev.llmmesh.launcher.demo;

import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Progress;
import dev.llmmesh.mesh.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Submits jobs the way the gateway will (a JSON message keyed by job id on the service's jobs topic) and
 * follows them on {@code llm.jobs.events} until they end.
 */
final class JobClient implements AutoCloseable {
    /** A job that says nothing for this long is stuck, or was never picked up. */
    private static final Duration SILENCE_LIMIT = Duration.ofSeconds(120);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(15);

    private final String bootstrap;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> events;

    JobClient(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.CLIENT_ID_CONFIG, "llm-mesh-demo",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis()),
                new StringSerializer(), new ByteArraySerializer());
        // No consumer group: the demo reads every partition itself and commits nothing.
        this.events = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.CLIENT_ID_CONFIG, "llm-mesh-demo-events",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Creates the topics with the partition counts the mesh agreed on, in case no service has yet, and starts
     * reading events from now on, so that every event of a job submitted afterwards is seen.
     */
    void open() {
        createTopics(List.of(Topics.TOKENIZER_JOBS, Topics.TRAINER_JOBS, Topics.JOB_EVENTS));
        List<TopicPartition> partitions = events.partitionsFor(Topics.JOB_EVENTS, KAFKA_TIMEOUT).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        events.assign(partitions);
        events.seekToEnd(partitions);
        // seekToEnd is lazy; asking for the positions fixes them before any job is sent.
        partitions.forEach(p -> events.position(p, KAFKA_TIMEOUT));
    }

    private void createTopics(List<String> names) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                // Also bounds close(), which otherwise waits out unfinished calls for a minute.
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis()))) {
            var topics = names.stream().map(n -> new NewTopic(n, Topics.PARTITIONS.get(n), (short) 1)).toList();
            for (var future : admin.createTopics(topics).values().values()) {
                try {
                    future.get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new StackException("cannot create Kafka topics: " + e.getCause().getMessage(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while creating Kafka topics");
        } catch (TimeoutException e) {
            throw new StackException("Kafka did not create the topics within " + KAFKA_TIMEOUT.toSeconds()
                    + " s; is the broker healthy? (`bin/llm-mesh status`)");
        }
    }

    void submit(String topic, String jobId, Map<String, Object> job) {
        try {
            producer.send(new ProducerRecord<>(topic, jobId, Json.bytes(job)))
                    .get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while submitting job " + jobId);
        } catch (ExecutionException | TimeoutException e) {
            throw new StackException("could not submit job " + jobId + " to " + topic + ": " + e, e);
        }
    }

    /**
     * Follows a job until it ends, drawing its progress; bounded by {@code timeout} and by a silence limit.
     *
     * @param serviceLog named in every timeout, since that is where a stuck job explains itself
     * @param bar        draws the job's progress events; closed here
     */
    JobOutcome await(String jobId, Duration timeout, Path serviceLog, JobProgressBar bar) {
        long start = System.nanoTime();
        long lastHeard = start;
        List<Progress> progress = new ArrayList<>();
        try (bar) {
            while (true) {
                for (ConsumerRecord<String, byte[]> record : events.poll(Duration.ofMillis(250))) {
                    if (!jobId.equals(record.key())) {
                        continue;
                    }
                    JobEvent event = parse(record);
                    lastHeard = System.nanoTime();
                    if (event.state().terminal()) {
                        if (event.state() == JobState.SUCCEEDED) {
                            bar.succeeded();
                        }
                        return new JobOutcome(event, Duration.ofNanos(System.nanoTime() - start), progress);
                    }
                    if (event.progress() != null) {
                        progress.add(event.progress());
                    }
                    bar.update(event.progress());
                }
                long now = System.nanoTime();
                if (now - start > timeout.toNanos()) {
                    throw new StackException("job " + jobId + " did not finish within " + timeout.toSeconds()
                            + " s; read " + serviceLog + " (or allow more with --job-timeout)");
                }
                if (now - lastHeard > SILENCE_LIMIT.toNanos()) {
                    throw new StackException("no event about job " + jobId + " for "
                            + SILENCE_LIMIT.toSeconds() + " s: the service has not picked it up or is stuck; read "
                            + serviceLog);
                }
            }
        }
    }

    private static JobEvent parse(ConsumerRecord<String, byte[]> record) {
        try {
            return Json.LENIENT.readValue(record.value(), JobEvent.class);
        } catch (IOException e) {
            throw new StackException("unreadable event on " + record.topic() + " at offset " + record.offset() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        events.close(Duration.ofSeconds(5));
    }
}
