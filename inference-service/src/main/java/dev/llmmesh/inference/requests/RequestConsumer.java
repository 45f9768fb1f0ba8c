package dev.llmmesh.inference.requests;

import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.inference.engine.ChunkSink;
import dev.llmmesh.inference.engine.CompletionErrors;
import dev.llmmesh.inference.engine.Deadlines;
import dev.llmmesh.inference.engine.Ticket;
import dev.llmmesh.inference.models.ModelCatalog;
import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CancelCompletion;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.servicekit.KafkaClientProperties;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Context;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Takes requests from {@code llm.inference.requests} in the consumer group replicas share, and hands them to the
 * model's engine. A request's offset is committed only once its answer is on {@code llm.inference.events}
 * ({@link OffsetTracker}): if this replica dies mid-answer, the next owner of the partition reads the request again
 * and answers it whole (same seed, same tokens). The gateway skips, by token and text position, what it
 * already relayed.
 *
 * <p>A plain consumer loop rather than a {@code @KafkaListener}: answers finish on engine threads while the
 * partition may be idle, and a KafkaConsumer can only be driven (committed) from its polling thread, which a
 * listener method is not called on when no record arrives. Here the loop commits within a poll interval of an
 * answer, and a partition taken away in a rebalance has its unfinished requests dropped at once (cooperative
 * rebalancing moves only the partitions that change owner).
 */
@Context
public class RequestConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(RequestConsumer.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final ModelCatalog catalog;
    private final ModelRegistry registry;
    private final ChunkSink sink;
    private final DeadLetters deadLetters;
    private final InferenceSettings settings;
    private final OffsetTracker tracker = new OffsetTracker();
    private final Consumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean subscribed;

    public RequestConsumer(ModelCatalog catalog, ModelRegistry registry, ChunkSink sink, DeadLetters deadLetters,
                           InferenceSettings settings, KafkaTelemetry telemetry, KafkaClientProperties kafka) {
        this.catalog = catalog;
        this.registry = registry;
        this.sink = sink;
        this.deadLetters = deadLetters;
        this.settings = settings;
        // Traced: each record is handled inside a span continuing the gateway's trace (its traceparent header),
        // which the request's chunks carry on.
        this.consumer = telemetry.wrap(new KafkaConsumer<>(kafka.consumer(Map.<String, Object>of(
                ConsumerConfig.GROUP_ID_CONFIG, settings.consumerGroup(),
                ConsumerConfig.CLIENT_ID_CONFIG, "inference-" + settings.replica(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                // A replica that dies without leaving the group hands its partitions on after this long.
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000)),
                new StringDeserializer(), new ByteArrayDeserializer()));
        this.thread = Thread.ofPlatform().daemon().name("inference-requests").start(this::run);
    }

    /** Whether the consumer has joined the group (after the model registry was read). */
    public boolean subscribed() {
        return subscribed;
    }

    /** Partitions of {@code llm.inference.requests} this replica owns now. */
    public int ownedPartitions() {
        return tracker.owned();
    }

    /** Requests read and not answered yet. */
    public int unanswered() {
        return tracker.open();
    }

    private void run() {
        try {
            // Short waits, so that a replica told to stop before it ever caught up stops at once.
            for (int waited = 1; running && !registry.awaitCaughtUp(Duration.ofSeconds(1)); waited++) {
                if (waited % 30 == 0) {
                    LOG.warn("still reading the model registry ({}) after {} s; requests wait", Topics.MODELS, waited);
                }
            }
            if (!running) {
                return;
            }
            consumer.subscribe(List.of(Topics.INFERENCE_REQUESTS), new Rebalance());
            subscribed = true;
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    try {
                        handle(record);
                    } catch (RuntimeException e) {
                        // Only tracking or dead-lettering can get here (handle answers what it reads); the record
                        // stays uncommitted for the partition's next owner.
                        LOG.error("could not handle {}@{}:{}", record.topic(), record.partition(), record.offset(), e);
                    }
                }
                commit(tracker.committable());
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the inference request consumer stopped", e);
        } finally {
            subscribed = false;
            try {
                commit(tracker.committable());
            } catch (RuntimeException e) {
                LOG.warn("last commit failed: {}", e.toString());
            }
            // Leaving the group hands the partitions on at once; what is unanswered stays uncommitted.
            consumer.close(Duration.ofSeconds(10));
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        Ticket ticket = tracker.begin(new TopicPartition(record.topic(), record.partition()), record.offset());
        InferenceCommand command;
        switch (CommandReader.read(record.value())) {
            case CommandReader.Readable readable -> command = readable.command();
            case CommandReader.Unreadable unreadable -> {
                unreadable(record, unreadable, ticket);
                return;
            }
        }
        try {
            switch (command) {
                case CompletionRequest request -> route(request, ticket);
                case ClassifyRequest request -> route(request, ticket);
                case CancelCompletion cancel -> {
                    catalog.all().forEach(engine -> engine.cancel(cancel.requestId()));
                    ticket.answered();
                }
            }
        } catch (RuntimeException e) {
            unhandled(record, command, ticket, e);
        }
    }

    /**
     * A command that broke its handling (a bug it found) is answered with the error, dead-lettered and committed:
     * left open it would never be answered, hold back every later commit of its partition, and break the next
     * owner of the partition the same way.
     */
    private void unhandled(ConsumerRecord<String, byte[]> record, InferenceCommand command, Ticket ticket,
                           RuntimeException cause) {
        LOG.error("could not handle {}@{}:{} (request {}); answered with an error and dead-lettered", record.topic(),
                record.partition(), record.offset(), command.requestId(), cause);
        try {
            if (!(command instanceof CancelCompletion)) {
                sink.send(CompletionErrors.chunk(command.requestId(), settings.replica(), CompletionErrors.internal(
                        "the replica could not take the request (" + cause + "); this is a bug: report it with the"
                                + " request id " + command.requestId())));
            }
            deadLetters.send(record, cause.toString());
        } catch (RuntimeException e) {
            LOG.error("could not answer or dead-letter request {}", command.requestId(), e);
        } finally {
            ticket.answered();
        }
    }

    /** Dead-lettered and committed; a completion's client is told why when its id could be read. */
    private void unreadable(ConsumerRecord<String, byte[]> record, CommandReader.Unreadable unreadable, Ticket ticket) {
        LOG.warn("dead-lettering {}@{}:{}: {}", record.topic(), record.partition(), record.offset(),
                unreadable.reason());
        if (unreadable.requestId() != null) {
            sink.send(CompletionErrors.chunk(unreadable.requestId(), settings.replica(), unreadable.error()));
        }
        deadLetters.send(record, unreadable.reason());
        ticket.answered();
    }

    private void route(CompletionRequest request, Ticket ticket) {
        if (Deadlines.SYSTEM.passed(request)) {
            // Nobody waits for the answer any more (typically a request re-read after a replica died).
            LOG.debug("request {} passed its deadline {}; skipped", request.requestId(), request.deadline());
            ticket.answered();
            return;
        }
        switch (catalog.route(request.modelId())) {
            case ModelCatalog.Serve serve when serve.engine().announcement().kind() == ModelKind.CLASSIFIER ->
                    refuse(request.requestId(), CompletionErrors.classifierCannotComplete(request.modelId()), ticket);
            case ModelCatalog.Serve serve -> serve.engine().submit(request, ticket);
            // Answered (and so committed): the client hears why, and sends it again when told to retry.
            case ModelCatalog.Refuse refuse -> refuse(request.requestId(), refuse.error(), ticket);
        }
    }

    private void route(ClassifyRequest request, Ticket ticket) {
        if (Deadlines.SYSTEM.passed(request)) {
            LOG.debug("classify request {} passed its deadline {}; skipped", request.requestId(), request.deadline());
            ticket.answered();
            return;
        }
        switch (catalog.route(request.modelId())) {
            case ModelCatalog.Serve serve when serve.engine().announcement().kind() != ModelKind.CLASSIFIER ->
                    refuse(request.requestId(), CompletionErrors.notAClassifier(request.modelId(),
                            serve.engine().announcement().kind()), ticket);
            case ModelCatalog.Serve serve -> serve.engine().classify(request, ticket);
            case ModelCatalog.Refuse refuse -> refuse(request.requestId(), refuse.error(), ticket);
        }
    }

    private void refuse(String requestId, InferenceError error, Ticket ticket) {
        sink.send(CompletionErrors.chunk(requestId, settings.replica(), error)).whenComplete((ok, e) -> {
            if (e == null) {
                ticket.answered();
            } else {
                LOG.error("could not answer request {}", requestId, e);
            }
        });
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            tracker.committed(offsets);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // A rebalance in progress: the offsets are committed at the revocation or the next loop.
            LOG.info("commit deferred: {}", e.toString());
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            tracker.assigned(partitions);
            if (!partitions.isEmpty()) {
                LOG.info("replica {} takes partitions {}", settings.replica(), numbers(partitions));
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            abandon(partitions);
            commit(tracker.revoked(partitions));
            LOG.info("replica {} hands on partitions {}", settings.replica(), numbers(partitions));
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another replica may own them already: committing now could overwrite its progress.
            abandon(partitions);
            tracker.revoked(partitions);
        }

        private void abandon(Collection<TopicPartition> partitions) {
            Set<Integer> numbers = numbers(partitions);
            catalog.all().forEach(engine -> engine.abandon(numbers));
        }

        private Set<Integer> numbers(Collection<TopicPartition> partitions) {
            return partitions.stream().map(TopicPartition::partition).collect(Collectors.toCollection(
                    java.util.TreeSet::new));
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(15_000);
    }
}
