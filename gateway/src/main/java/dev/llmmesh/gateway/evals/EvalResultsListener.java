package dev.llmmesh.gateway.evals;

import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.eval.EvalResult;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;

/**
 * Reads all of {@code llm.eval.results} from its start into the {@link EvalBoard}, in a consumer group of its own
 * per gateway that commits nothing (as the job history is read): every gateway needs every figure.
 */
@KafkaListener(groupId = "gateway-evals-${random.uuid}", offsetReset = OffsetReset.EARLIEST,
        offsetStrategy = OffsetStrategy.DISABLED)
public class EvalResultsListener {
    private final EvalBoard board;
    private final EvalReplay replay;
    private final DeadLetters deadLetters;

    public EvalResultsListener(EvalBoard board, EvalReplay replay, DeadLetters deadLetters) {
        this.board = board;
        this.replay = replay;
        this.deadLetters = deadLetters;
    }

    @Topic(Topics.EVAL_RESULTS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        try {
            board.apply(record.key(), record.value() == null ? null
                    : Json.LENIENT.readValue(record.value(), EvalResult.class));
        } catch (IOException | RuntimeException e) {
            // Compaction keeps a bad record until its key is published again; it was dead-lettered when it was new.
            if (replay.results.caughtUp()) {
                deadLetters.send(record, "unreadable eval result: " + e.getMessage());
            }
        } finally {
            replay.results.passed(record.partition(), record.offset());
        }
    }
}
