package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.servicekit.jobs.JobIntake;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Property;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

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
    private final TrainTokenizerRunner train;
    private final TokenizeDatasetRunner tokenize;
    private final JobIntake intake;

    public TokenizerJobListener(TrainTokenizerRunner train, TokenizeDatasetRunner tokenize, JobIntake intake) {
        this.train = train;
        this.tokenize = tokenize;
        this.intake = intake;
    }

    @Topic(Topics.TOKENIZER_JOBS)
    public void receive(ConsumerRecord<String, byte[]> record) {
        intake.accept(record, TokenizerJob.class, job -> {
            switch (job) {
                case TokenizerJob.TrainTokenizer t -> train.run(t);
                case TokenizerJob.TokenizeDataset d -> tokenize.plan(d);
                case TokenizerJob.TokenizeShard s -> tokenize.tokenize(s);
            }
        });
    }
}
