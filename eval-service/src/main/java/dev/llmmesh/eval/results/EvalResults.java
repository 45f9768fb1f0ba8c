package dev.llmmesh.eval.results;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.servicekit.KafkaClientProperties;
import dev.llmmesh.servicekit.MeshProducer;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The finished evaluations: {@code llm.eval.results} (compacted, one record per {@link EvalResult#key()}) read
 * whole from its start and followed, as every replica needs every result to know what not to run again; and the
 * one place results are published, summary file first, so a reader of the topic finds the file.
 */
@Singleton
public class EvalResults {
    private static final Logger LOG = LoggerFactory.getLogger(EvalResults.class);
    /** How long a question about past results waits for the startup read. */
    public static final Duration CATCH_UP = Duration.ofSeconds(30);

    private final Map<String, EvalResult> results = new ConcurrentHashMap<>();
    private final FileArtifactStore artifacts;
    private final MeshProducer producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public EvalResults(FileArtifactStore artifacts, MeshProducer producer, KafkaClientProperties kafka) {
        this.artifacts = artifacts;
        this.producer = producer;
        Map<String, Object> config = new HashMap<>(kafka.consumer(Map.of()));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name("eval-results").start(this::run);
    }

    /** The result under {@code key}, once everything published before this replica started has been read. */
    public Optional<EvalResult> find(String key) throws InterruptedException {
        if (!caughtUp.await(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("{} not read to its end within {}; answering from what was read", Topics.EVAL_RESULTS, CATCH_UP);
        }
        return Optional.ofNullable(results.get(key));
    }

    /** Writes {@code evals/{id}/summary.json}, then the record on {@code llm.eval.results} (acknowledged). */
    public void publish(EvalResult result) throws IOException {
        byte[] json = Json.bytes(result);
        artifacts.write(ArtifactKeys.evalSummary(result.evalId()), json);
        producer.send(Topics.EVAL_RESULTS, result.key(), json);
        results.put(result.key(), result);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = partitions();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record);
                }
                if (caughtUp.getCount() > 0
                        && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    LOG.info("{} read: {} result(s)", Topics.EVAL_RESULTS, results.size());
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("reading {} failed; results published from now on are not seen", Topics.EVAL_RESULTS, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            results.remove(record.key());
            return;
        }
        try {
            results.put(record.key(), Json.LENIENT.readValue(record.value(), EvalResult.class));
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring unreadable eval result {} at {}@{}: {}", record.key(), record.partition(),
                    record.offset(), e.toString());
        }
    }

    private List<TopicPartition> partitions() {
        while (running) {
            var infos = consumer.partitionsFor(Topics.EVAL_RESULTS, Duration.ofSeconds(10));
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

    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
