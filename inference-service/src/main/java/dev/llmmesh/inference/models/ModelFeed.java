package dev.llmmesh.inference.models;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import io.micronaut.context.annotation.Context;
import dev.llmmesh.inference.KafkaClientProperties;
import jakarta.annotation.PreDestroy;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads the whole model registry ({@code llm.models}, compacted: one record per model) from its start and keeps
 * following it. It assigns itself every partition instead of joining a consumer group: each replica needs every
 * announcement, nothing is committed, and no group is left behind per instance.
 *
 * <p>Requests are taken only once the registry has been read up to where it stood at startup ({@link #awaitCaughtUp}),
 * so a replica that just started does not answer "model not found" for a model announced long ago.
 */
@Context
public class ModelFeed {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFeed.class);

    private final ModelCatalog catalog;
    private final KafkaConsumer<String, byte[]> consumer;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public ModelFeed(ModelCatalog catalog, KafkaClientProperties kafka) {
        this.catalog = catalog;
        this.consumer = new KafkaConsumer<>(kafka.consumer(Map.<String, Object>of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // A registry created by accident would not be compacted: service-kit's MeshTopics creates it.
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "inference-models-" + Integer.toHexString(System.identityHashCode(this)))),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name("model-feed").start(this::run);
    }

    /** Whether the registry was read up to its end at startup within {@code timeout}. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
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
                    LOG.info("model registry read: {} model(s) served", catalog.all().size());
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the model registry feed stopped; new models will not be loaded", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The registry topic may not exist yet when the first service starts: wait for it. */
    private List<TopicPartition> partitions() {
        while (running) {
            var infos = consumer.partitionsFor(Topics.MODELS, Duration.ofSeconds(10));
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

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            catalog.withdraw(record.key());
            return;
        }
        try {
            catalog.announce(Json.LENIENT.readValue(record.value(), ModelAnnouncement.class));
        } catch (IOException | RuntimeException e) {
            // Compaction keeps a bad record until the model is announced again; skipping it is all one can do.
            LOG.warn("ignoring unreadable model announcement {} at {}@{}: {}", record.key(), record.partition(),
                    record.offset(), e.toString());
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
