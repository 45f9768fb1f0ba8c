package dev.llmmesh.gateway.evals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.jobs.EvalJob;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;

/**
 * Reads {@code llm.eval.jobs} from its start, so an evaluation still running can be shown with its model, task and
 * dataset (its job events carry none of them). eval-service, not the gateway, answers for bad jobs there: one this
 * cannot read is skipped.
 */
@KafkaListener(groupId = "gateway-eval-jobs-${random.uuid}", offsetReset = OffsetReset.EARLIEST,
        offsetStrategy = OffsetStrategy.DISABLED)
public class EvalRequestsListener {
    private final EvalBoard board;
    private final EvalReplay replay;

    public EvalRequestsListener(EvalBoard board, EvalReplay replay) {
        this.board = board;
        this.replay = replay;
    }

    @Topic(Topics.EVAL_JOBS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        try {
            JsonNode message = Json.LENIENT.readTree(record.value());
            if (message != null && EvalJob.Evaluate.TYPE.name().equals(message.path("type").asText())) {
                board.requested(JobMessages.parse(message, EvalJob.Evaluate.class));
            }
        } catch (IOException | MalformedJobException | RuntimeException e) {
            // eval-service fails the job with the reason; the gateway only misses its model and task.
        } finally {
            replay.requests.passed(record.partition(), record.offset());
        }
    }
}
