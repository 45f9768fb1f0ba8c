package dev.llmmesh.eval.results;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.servicekit.KafkaClientProperties;
import dev.llmmesh.servicekit.MeshProducer;
import dev.llmmesh.servicekit.TopicFollower;
import dev.llmmesh.servicekit.jobs.JobInterruptedException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The finished evaluations: {@code llm.eval.results} (compacted, one record per {@link EvalResult#key()}) read
 * whole from its start and followed, as every replica needs every result to know what not to run again; and the
 * one place results are published, summary file first, so a reader of the topic finds the file.
 *
 * <p>A question is answered only once the topic has been read up to where it ended when the question was asked
 * (read your writes, and everyone else's): a job is started after another replica published it (a partition moved
 * while it ran), a restart, or a slow broker, and answering from a partial read would run it twice. A reader that
 * fails reads the topic again from its start, as the model registry does; the question waits meanwhile.
 */
@Singleton
public class EvalResults {
    private static final Logger LOG = LoggerFactory.getLogger(EvalResults.class);
    /** How often a question still waiting for the reader says so in the log. */
    private static final Duration WARN_EVERY = Duration.ofSeconds(30);

    private final Map<String, EvalResult> results = new ConcurrentHashMap<>();
    private final FileArtifactStore artifacts;
    private final MeshProducer producer;
    /** Only asks for end offsets (the follower's consumer belongs to its thread); guarded by itself. */
    private final KafkaConsumer<String, byte[]> ends;
    private final TopicFollower follower;

    public EvalResults(FileArtifactStore artifacts, MeshProducer producer, KafkaClientProperties kafka) {
        this.artifacts = artifacts;
        this.producer = producer;
        Map<String, Object> config = new HashMap<>(kafka.consumer(Map.of()));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.CLIENT_ID_CONFIG);
        this.ends = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        // From the start, again after a failure: results are replaced by key, so re-reading them is harmless, and
        // the follower forgets its positions meanwhile, so the barrier waits for the new read.
        this.follower = new TopicFollower("eval-results", kafka.consumer(Map.of()), Topics.EVAL_RESULTS,
                TopicFollower.From.BEGINNING, this::apply);
    }

    /**
     * The result under {@code key}, once the topic has been read up to where it ends now; waits as long as that
     * takes (it never answers from a partial read).
     *
     * @throws JobInterruptedException when this replica stops meanwhile: the job asking stays uncommitted
     */
    public Optional<EvalResult> find(String key) throws InterruptedException {
        awaitRead();
        return Optional.ofNullable(results.get(key));
    }

    /** Writes {@code evals/{id}/summary.json}, then the record on {@code llm.eval.results} (acknowledged). */
    public void publish(EvalResult result) throws IOException {
        byte[] json = Json.bytes(result);
        artifacts.write(ArtifactKeys.evalSummary(result.evalId()), json);
        producer.send(Topics.EVAL_RESULTS, result.key(), json);
        results.put(result.key(), result);
    }

    /** For {@code /health}: reading, starting, or the reader's last failure (it reads again after a pause). */
    public String state() {
        return follower.state();
    }

    /** Results read so far. */
    public int size() {
        return results.size();
    }

    private void awaitRead() throws InterruptedException {
        Map<TopicPartition, Long> end = endOffsetsNow();
        long started = System.nanoTime();
        long warned = started;
        while (!TopicFollower.reached(follower.positions(), end)) {
            if (!follower.running()) {
                throw new JobInterruptedException(Topics.EVAL_RESULTS + " not read: this replica is stopping");
            }
            if (System.nanoTime() - warned > WARN_EVERY.toNanos()) {
                warned = System.nanoTime();
                LOG.warn("still waiting to read {} to its end {} ({} s; reader {}, at {})", Topics.EVAL_RESULTS, end,
                        Duration.ofNanos(warned - started).toSeconds(), follower.state(), follower.positions());
            }
            Thread.sleep(20);
        }
    }

    private Map<TopicPartition, Long> endOffsetsNow() throws InterruptedException {
        while (true) {
            if (!follower.running()) {
                throw new JobInterruptedException(Topics.EVAL_RESULTS + " not read: this replica is stopping");
            }
            try {
                synchronized (ends) {
                    var infos = ends.partitionsFor(Topics.EVAL_RESULTS, Duration.ofSeconds(10));
                    if (infos != null && !infos.isEmpty()) {
                        return ends.endOffsets(infos.stream()
                                .map(p -> new TopicPartition(p.topic(), p.partition())).toList(),
                                Duration.ofSeconds(30));
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("asking where {} ends failed ({}); asking again", Topics.EVAL_RESULTS, e.toString());
            }
            Thread.sleep(200);
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

    @PreDestroy
    void close() throws InterruptedException {
        follower.close();
        synchronized (ends) {
            ends.close(Duration.ofSeconds(5));
        }
    }
}
