package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.mesh.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.Topic;

/** What this service writes to Kafka; each call blocks until the broker acknowledged the write. */
@KafkaClient(id = "tokenizer-outbox", acks = KafkaClient.Acknowledge.ALL)
public interface KafkaOutbox {
    @Topic(Topics.JOB_EVENTS)
    void jobEvent(@KafkaKey String jobId, byte[] event);

    @Topic(Topics.TOKENIZER_JOBS)
    void tokenizerJob(@KafkaKey String key, byte[] job);
}
