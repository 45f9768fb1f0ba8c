package dev.llmmesh.trainer.jobs;

import dev.llmmesh.mesh.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.configuration.kafka.annotation.KafkaKey;
import io.micronaut.configuration.kafka.annotation.Topic;

/** What this service writes to Kafka; each call blocks until the broker acknowledged the write. */
@KafkaClient(id = "trainer-outbox", acks = KafkaClient.Acknowledge.ALL)
public interface TrainerOutbox {
    @Topic(Topics.JOB_EVENTS)
    void jobEvent(@KafkaKey String jobId, byte[] event);

    @Topic(Topics.MODELS)
    void model(@KafkaKey String modelId, byte[] announcement);
}
