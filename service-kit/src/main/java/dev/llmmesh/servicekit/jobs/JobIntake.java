package dev.llmmesh.servicekit.jobs;

import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.jobs.InvalidJobException;
import dev.llmmesh.mesh.jobs.JobContext;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every job listener does with a record: parse it, dead-letter what is not a job, check it as the gateway
 * did (what it names may have gone since), run it, and turn whatever it throws into a FAILED event, so nothing
 * stops the consumer. Only a {@link JobInterruptedException} escapes: its record must stay uncommitted.
 */
@Singleton
public class JobIntake {
    private static final Logger LOG = LoggerFactory.getLogger(JobIntake.class);

    private final DeadLetters deadLetters;
    private final JobEvents events;
    private final JobContext context;
    private final String service;

    public JobIntake(DeadLetters deadLetters, JobEvents events, JobContext context,
                     @Value("${micronaut.application.name:the service}") String service) {
        this.deadLetters = deadLetters;
        this.events = events;
        this.context = context;
        this.service = service;
    }

    @FunctionalInterface
    public interface Handler<T> {
        void run(T job) throws Exception;
    }

    /** @param type the service's family of job records, e.g. TrainerJob */
    public <T extends MeshJob> void accept(ConsumerRecord<String, byte[]> record, Class<T> type, Handler<T> handler) {
        T job;
        try {
            job = JobMessages.parse(record.value(), type);
        } catch (MalformedJobException e) {
            LOG.warn("dead-lettering {}@{}:{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            deadLetters.send(record, e.getMessage());
            e.jobId().ifPresent(id -> events.reporter(id, e.jobType()).failed(e.getMessage(), e.field().orElse(null)));
            return;
        }
        try {
            job.validate(context);
            handler.run(job);
        } catch (JobInterruptedException e) {
            LOG.info(e.getMessage());
            throw e;
        } catch (InvalidJobException e) {
            events.reporter(job.jobId(), job.jobType()).failed(e.getMessage(), e.field());
        } catch (JobFailedException e) {
            events.reporter(job.jobId(), job.jobType()).failed(e.getMessage(), e.field().orElse(null));
        } catch (Exception e) {
            LOG.error("job {} ({}) failed", job.jobId(), job.jobType(), e);
            events.reporter(job.jobId(), job.jobType()).failed("internal error: " + e + "; see the " + service
                    + " log, then resubmit the job");
        }
    }
}
