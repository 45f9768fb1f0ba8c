package dev.llmmesh.servicekit.jobs;

import dev.llmmesh.mesh.JobControl;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.servicekit.TopicCatchUp;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cancel commands for jobs. Every replica reads the whole control topic from its start (a group of its own,
 * named uniquely per instance) since any replica may be the one running the job, and since a cancel must
 * outlive the trainer it was meant for: one sent while the job was queued, or while its trainer was down, is
 * in the log when a trainer (re)starts and takes the job.
 *
 * <p>Why the log and not the gateway's job board (which also knows a cancel was asked for): the log is the
 * record the board itself is folded from, every trainer can read it without the gateway being up, and a cancel
 * stays in it as long as the job it cancels stays in {@code llm.trainer.jobs} (both topics keep the broker's
 * retention). What the log cannot give by itself is the moment the replay is complete; {@link
 * #cancelledBeforeStart} waits for that, so a job is never started because its cancel was merely not read yet.
 */
@KafkaListener(groupId = "${micronaut.application.name:service}-control-${random.uuid}", offsetReset = OffsetReset.EARLIEST)
@Requires(property = CancelRequests.ENABLED, value = "true")
public class CancelRequests {
    /** Set by services that run cancellable jobs (see JobType#cancellable); the others need no control consumer. */
    public static final String ENABLED = "llm.jobs.cancellable";
    private static final Logger LOG = LoggerFactory.getLogger(CancelRequests.class);
    /** A control topic of any real size replays in well under this; past it, cancels are still seen between steps. */
    private static final Duration REPLAY_WAIT = Duration.ofSeconds(30);

    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final TopicCatchUp replay;
    private volatile boolean waitedForReplay;

    public CancelRequests(@Value("${kafka.bootstrap.servers}") String bootstrap) {
        // Created with the listener, before any job is taken: the end it records holds every cancel sent so far.
        this.replay = new TopicCatchUp(bootstrap, Topics.JOB_CONTROL);
    }

    @Topic(Topics.JOB_CONTROL)
    public void receive(ConsumerRecord<String, byte[]> record) {
        try {
            JobControl command = Json.LENIENT.readValue(record.value(), JobControl.class);
            if (JobControl.CANCEL.equals(command.type()) && command.jobId() != null) {
                cancelled.add(command.jobId());
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Control messages are advisory; a bad one must not stop the others.
            LOG.warn("ignoring unreadable control message at {}@{}: {}", record.partition(), record.offset(), e.toString());
        } finally {
            replay.passed(record.partition(), record.offset());
        }
    }

    /** Whether a cancel for the job has been read so far (checked between training steps). */
    public boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }

    /**
     * Whether the job was cancelled, counting every cancel the control topic held when this replica started:
     * asked once before a job is started.
     */
    public boolean cancelledBeforeStart(String jobId) {
        try {
            if (!waitedForReplay && !replay.await(REPLAY_WAIT)) {
                LOG.warn("{} not replayed within {}; starting job {} anyway, a cancel still stops it between steps",
                        Topics.JOB_CONTROL, REPLAY_WAIT, jobId);
            }
            // once: after a replay that never completes, later jobs must not each wait for it again
            waitedForReplay = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // stopping: the job stays uncommitted and the next replica asks again
            throw new JobInterruptedException("job " + jobId + " not started: this replica is stopping");
        }
        return isCancelled(jobId);
    }
}
