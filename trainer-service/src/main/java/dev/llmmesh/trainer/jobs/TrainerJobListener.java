package dev.llmmesh.trainer.jobs;

import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.servicekit.JobEvents;
import dev.llmmesh.servicekit.JobFailedException;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Property;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one job at a time from {@code llm.trainer.jobs}; replicas share the partitions. A job's offset is
 * committed only when it ended (succeeded, failed or cancelled), so a job whose replica dies is
 * redelivered and resumes from its checkpoint.
 */
@KafkaListener(groupId = "trainer", offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.SYNC_PER_RECORD,
        properties = {
            @Property(name = ConsumerConfig.MAX_POLL_RECORDS_CONFIG, value = "1"),
            // Heartbeats still detect a dead replica within the session timeout; this only bounds one job.
            @Property(name = ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, value = "86400000")
        })
public class TrainerJobListener {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerJobListener.class);

    private final PretrainRunner pretrain;
    private final JobEvents events;
    private final DeadLetters deadLetters;

    public TrainerJobListener(PretrainRunner pretrain, JobEvents events, DeadLetters deadLetters) {
        this.pretrain = pretrain;
        this.events = events;
        this.deadLetters = deadLetters;
    }

    @Topic(Topics.TRAINER_JOBS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        TrainerJob job;
        try {
            job = JobMessages.parse(record.value(), TrainerJob.class, TrainerJob.CLIENT_TYPES);
        } catch (MalformedJobException e) {
            LOG.warn("dead-lettering {}@{}:{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            deadLetters.send(record, e.getMessage());
            e.jobId().ifPresent(id -> events.reporter(id, e.jobType()).failed(e.getMessage()));
            return;
        }
        try {
            switch (job) {
                case TrainerJob.Pretrain p -> pretrain.run(p);
            }
        } catch (ShutdownSignal.Interrupted e) {
            LOG.info(e.getMessage());
            throw e;
        } catch (JobFailedException e) {
            events.reporter(job.jobId(), job.jobType()).failed(e.getMessage());
        } catch (Exception e) {
            LOG.error("job {} ({}) failed", job.jobId(), job.jobType(), e);
            events.reporter(job.jobId(), job.jobType()).failed("internal error: " + e
                    + "; see the trainer-service log, then resubmit the job");
        }
    }
}
