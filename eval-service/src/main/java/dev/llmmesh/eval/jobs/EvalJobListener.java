package dev.llmmesh.eval.jobs;

import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.servicekit.jobs.JobIntake;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Property;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Takes one evaluation at a time from {@code llm.eval.jobs}; replicas share the partitions (jobs are keyed by id, so
 * two records of one job land on one partition, one after the other). A job's offset is committed only when it
 * ended, so the job of a replica that dies is redelivered and run again from its start.
 */
@KafkaListener(groupId = "eval", offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.SYNC_PER_RECORD,
        properties = {
            @Property(name = ConsumerConfig.MAX_POLL_RECORDS_CONFIG, value = "1"),
            // Heartbeats still detect a dead replica within the session timeout; this only bounds one job.
            @Property(name = ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, value = "86400000")
        })
public class EvalJobListener {
    private final EvaluateRunner evaluate;
    private final JobIntake intake;

    public EvalJobListener(EvaluateRunner evaluate, JobIntake intake) {
        this.evaluate = evaluate;
        this.intake = intake;
    }

    @Topic(Topics.EVAL_JOBS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        intake.accept(record, EvalJob.class, job -> {
            switch (job) {
                case EvalJob.Evaluate e -> evaluate.run(e);
            }
        });
    }
}
