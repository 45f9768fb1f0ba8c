package dev.llmmesh.servicekit.models;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelDirectory;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.servicekit.KafkaClientProperties;
import dev.llmmesh.servicekit.TopicFollower;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The published models, in every service: reads the whole model registry ({@code llm.models}, compacted: one record
 * per model) from its start and keeps following it with a {@link TopicFollower}, so each instance has every
 * announcement.
 *
 * <p>What was published before a service started is known once {@link #awaitCaughtUp} returns true: a service that
 * answers "no such model" must wait for that first. A service that has just published a model and is about to say so
 * waits for it with {@link #awaitPresent}. Other beans follow changes with {@link #subscribe}.
 */
@Context
public class ModelRegistry implements ModelDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    /**
     * How long an answer that depends on every published model waits for the startup read: a registry of any real
     * size is read well within it; past it, the answer is given from what is known.
     */
    public static final Duration CATCH_UP = Duration.ofSeconds(10);

    /** Told of every change, on the registry's thread, one at a time: keep it short. */
    public interface Listener {
        /** A model was announced or announced again (with new files, or the same record re-read). */
        void announced(ModelAnnouncement model);

        /** A tombstone: the model is no longer published. Also sent for ids never announced. */
        void withdrawn(String modelId);
    }

    private final Map<String, ModelAnnouncement> models = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /**
     * Held while a change is applied and told, and while a subscriber is told the state so far; notified after each
     * change, for {@link #awaitPresent}.
     */
    private final Object changes = new Object();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final TopicFollower follower;

    @Inject
    public ModelRegistry(KafkaClientProperties kafka) {
        this(kafka.consumer(Map.of()));
    }

    /** @param consumerConfig the Kafka consumer settings (bootstrap servers, security); the rest is set here */
    public ModelRegistry(Map<String, Object> consumerConfig) {
        // From the start, again after a failure: every service answers "no such model" from what it read, and
        // announcing a model again is harmless (listeners see the same files).
        this.follower = new TopicFollower("model-registry", consumerConfig, Topics.MODELS,
                TopicFollower.From.BEGINNING, new TopicFollower.Reader() {
                    private Map<TopicPartition, Long> ends = Map.of();

                    @Override
                    public void started(Map<TopicPartition, Long> endsNow) {
                        ends = endsNow;
                    }

                    @Override
                    public void record(ConsumerRecord<String, byte[]> record) {
                        apply(record);
                    }

                    @Override
                    public void polled(Map<TopicPartition, Long> positions) {
                        if (caughtUp.getCount() > 0 && TopicFollower.reached(positions, ends)) {
                            LOG.info("model registry read: {} model(s) published", models.size());
                            caughtUp.countDown();
                        }
                    }
                });
    }

    @Override
    public Optional<ModelAnnouncement> find(String modelId) {
        return modelId == null ? Optional.empty() : Optional.ofNullable(models.get(modelId));
    }

    /**
     * {@link #find(String)}, but a model not known yet while the startup read is still under way is waited for up
     * to {@code wait}: a service that just started must not answer "no such model" for one published long ago.
     */
    public Optional<ModelAnnouncement> find(String modelId, Duration wait) {
        Optional<ModelAnnouncement> found = find(modelId);
        if (found.isPresent() || caughtUp()) {
            return found;
        }
        try {
            awaitCaughtUp(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return find(modelId);
    }

    /**
     * The model once this registry has read it, waiting up to {@code timeout}; empty if it has not by then. For a
     * service that has just published a model: the broker has the record, but this registry reads it back on its own
     * thread a moment later, and "published" must not be followed by "no such model" from the same service.
     *
     * <p>A model known already is returned at once, even if a newer announcement of it is on its way.
     */
    public Optional<ModelAnnouncement> awaitPresent(String modelId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changes) {
            Optional<ModelAnnouncement> found = find(modelId);
            long left;
            while (found.isEmpty() && modelId != null && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(changes, left);
                found = find(modelId);
            }
            return found;
        }
    }

    /** Newest first (by {@code createdAt}; undated last). */
    @Override
    public List<ModelAnnouncement> all() {
        return models.values().stream()
                .sorted(Comparator.comparing(ModelAnnouncement::createdAt,
                        Comparator.nullsLast(Comparator.reverseOrder())))
                .toList();
    }

    /**
     * Tells {@code listener} every model known now, then every change after, with nothing missed or told twice in
     * between. Called on the subscriber's thread for what is known, on the registry's thread after.
     */
    public void subscribe(Listener listener) {
        synchronized (changes) {
            models.values().forEach(listener::announced);
            listeners.add(listener);
        }
    }

    public void unsubscribe(Listener listener) {
        listeners.remove(listener);
    }

    /** Whether the registry was read up to where it ended at startup within {@code timeout}. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            LOG.warn("ignoring a model record without key at {}@{}", record.partition(), record.offset());
            return;
        }
        if (record.value() == null) {
            synchronized (changes) {
                models.remove(record.key());
                tell(l -> l.withdrawn(record.key()));
                changes.notifyAll();
            }
            return;
        }
        ModelAnnouncement model;
        try {
            model = Json.LENIENT.readValue(record.value(), ModelAnnouncement.class);
        } catch (IOException | RuntimeException e) {
            // Compaction keeps a bad record until the model is announced again; skipping it is all one can do.
            LOG.warn("ignoring unreadable model announcement {} at {}@{}: {}", record.key(), record.partition(),
                    record.offset(), e.toString());
            return;
        }
        if (!record.key().equals(model.modelId())) {
            LOG.warn("ignoring model announcement at {}@{}: its key '{}' is not its modelId '{}'", record.partition(),
                    record.offset(), record.key(), model.modelId());
            return;
        }
        synchronized (changes) {
            models.put(model.modelId(), model);
            tell(l -> l.announced(model));
            changes.notifyAll();
        }
    }

    private void tell(java.util.function.Consumer<Listener> change) {
        for (Listener listener : listeners) {
            try {
                change.accept(listener);
            } catch (RuntimeException e) {
                // One subscriber's bug must not keep the others (or the registry) from the next changes.
                LOG.error("a model registry listener failed", e);
            }
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        follower.close();
    }
}
