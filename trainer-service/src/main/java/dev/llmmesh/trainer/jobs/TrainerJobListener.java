package dev.llmmesh.trainer.jobs;

import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.jobs.TrainerJob;
import dev.llmmesh.servicekit.jobs.JobIntake;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Property;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

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
    private final PretrainRunner pretrain;
    private final FinetuneClassifierRunner finetuneClassifier;
    private final DeleteModelRunner deleteModel;
    private final JobIntake intake;

    public TrainerJobListener(PretrainRunner pretrain, FinetuneClassifierRunner finetuneClassifier,
                              DeleteModelRunner deleteModel, JobIntake intake) {
        this.pretrain = pretrain;
        this.finetuneClassifier = finetuneClassifier;
        this.deleteModel = deleteModel;
        this.intake = intake;
    }

    @Topic(Topics.TRAINER_JOBS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        intake.accept(record, TrainerJob.class, job -> {
            switch (job) {
                case TrainerJob.Pretrain p -> pretrain.run(p);
                case TrainerJob.FinetuneClassifier f -> finetuneClassifier.run(f);
                case TrainerJob.DeleteModel d -> deleteModel.run(d);
            }
        });
    }
}
