package dev.llmmesh.gateway.jobs;

import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;

/**
 * Reads all of {@code llm.jobs.events} from the start into the {@link JobBoard}. Every gateway instance needs
 * every event, so each gets a consumer group of its own and commits nothing: a restart replays the log.
 */
@KafkaListener(groupId = "gateway-jobs-${random.uuid}", offsetReset = OffsetReset.EARLIEST,
        offsetStrategy = OffsetStrategy.DISABLED)
public class JobEventsListener {
    private final JobBoard board;
    private final ReplayBarrier replay;
    private final DeadLetters deadLetters;

    public JobEventsListener(JobBoard board, ReplayBarrier replay, DeadLetters deadLetters) {
        this.board = board;
        this.replay = replay;
        this.deadLetters = deadLetters;
    }

    @Topic(Topics.JOB_EVENTS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        try {
            board.apply(Json.LENIENT.readValue(record.value(), JobEvent.class));
        } catch (IOException | RuntimeException e) {
            // Replaying after a restart meets old poison again; it was dead-lettered when it was new.
            if (replay.caughtUp()) {
                deadLetters.send(record, "unreadable job event: " + e.getMessage());
            }
        } finally {
            replay.passed(record.partition(), record.offset());
        }
    }
}
