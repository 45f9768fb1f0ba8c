package dev.llmmesh.trainer.jobs;

import dev.llmmesh.mesh.JobControl;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cancel commands for jobs. Every replica reads the whole control topic (a group of its own, named
 * uniquely per instance) since any replica may be the one running the job.
 */
@KafkaListener(groupId = "trainer-control-${random.uuid}", offsetReset = OffsetReset.EARLIEST)
public class CancelRequests {
    private static final Logger LOG = LoggerFactory.getLogger(CancelRequests.class);

    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    @Topic(Topics.JOB_CONTROL)
    public void receive(ConsumerRecord<String, byte[]> record) {
        try {
            JobControl command = Json.LENIENT.readValue(record.value(), JobControl.class);
            if (JobControl.CANCEL.equals(command.type()) && command.jobId() != null) {
                cancelled.add(command.jobId());
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Control messages are advisory; a bad one must not stop the others.
            LOG.warn("ignoring unreadable control message at {}@{}: {}", record.partition(), record.offset(), e.toString());
        }
    }

    public boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }
}
