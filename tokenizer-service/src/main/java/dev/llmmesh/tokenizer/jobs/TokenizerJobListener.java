package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.servicekit.JobEvents;
import dev.llmmesh.servicekit.JobFailedException;
import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.Topics;
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
 * Takes jobs from {@code llm.tokenizer.jobs}, one at a time; replicas share the topic's partitions.
 * Nothing thrown here stops the consumer: a message that cannot be read goes to the dead-letter topic, a
 * job that fails becomes a FAILED event.
 */
@KafkaListener(groupId = "tokenizer", offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.SYNC_PER_RECORD,
        properties = {
            @Property(name = ConsumerConfig.MAX_POLL_RECORDS_CONFIG, value = "1"),
            // Training a large vocabulary can take many minutes between polls.
            @Property(name = ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, value = "3600000")
        })
public class TokenizerJobListener {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerJobListener.class);

    private final TrainTokenizerRunner train;
    private final TokenizeDatasetRunner tokenize;
    private final JobEvents events;
    private final DeadLetters deadLetters;

    public TokenizerJobListener(TrainTokenizerRunner train, TokenizeDatasetRunner tokenize, JobEvents events,
                                DeadLetters deadLetters) {
        this.train = train;
        this.tokenize = tokenize;
        this.events = events;
        this.deadLetters = deadLetters;
    }

    @Topic(Topics.TOKENIZER_JOBS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        TokenizerJob job;
        try {
            job = JobMessages.parse(record.value(), TokenizerJob.class, TokenizerJob.CLIENT_TYPES);
        } catch (MalformedJobException e) {
            LOG.warn("dead-lettering {}@{}:{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            deadLetters.send(record, e.getMessage());
            e.jobId().ifPresent(id -> events.reporter(id, e.jobType()).failed(e.getMessage()));
            return;
        }
        try {
            switch (job) {
                case TokenizerJob.TrainTokenizer t -> train.run(t);
                case TokenizerJob.TokenizeDataset d -> tokenize.plan(d);
                case TokenizerJob.TokenizeShard s -> tokenize.tokenize(s);
            }
        } catch (JobFailedException e) {
            events.reporter(job.jobId(), job.jobType()).failed(e.getMessage());
        } catch (Exception e) {
            LOG.error("job {} ({}) failed", job.jobId(), job.jobType(), e);
            events.reporter(job.jobId(), job.jobType()).failed("internal error: " + e + "; see the tokenizer-service log, then resubmit the job");
        }
    }
}
