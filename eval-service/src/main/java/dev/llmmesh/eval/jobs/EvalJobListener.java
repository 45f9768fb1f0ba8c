package dev.llmmesh.eval.jobs;

import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.servicekit.jobs.JobIntake;
import dev.llmmesh.servicekit.jobs.JobInterruptedException;
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
 *
 * <p>A job whose result is already published has ended (a redelivery after its replica published, or the second
 * of two replicas that started the same automatic suite): it is passed over before it is checked, since what it
 * names may have gone since, and failing it now would give it a second terminal event.
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
        if (alreadyPublished(record)) {
            return;
        }
        intake.accept(record, EvalJob.class, job -> {
            switch (job) {
                case EvalJob.Evaluate e -> evaluate.run(e);
            }
        });
    }

    private boolean alreadyPublished(ConsumerRecord<String, byte[]> record) {
        EvalJob job;
        try {
            job = JobMessages.parse(record.value(), EvalJob.class);
        } catch (MalformedJobException e) {
            return false; // the intake dead-letters it
        }
        try {
            return switch (job) {
                case EvalJob.Evaluate e -> evaluate.alreadyPublished(e);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobInterruptedException("job " + job.jobId() + " not started: this replica is stopping");
        }
    }
}
