package dev.llmmesh.mesh;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Moves a message that cannot be processed to {@link Topics#DEAD_LETTER}, byte for byte, with where it
 * came from and why in headers, so the consumer can go on and an operator can inspect or replay it.
 */
public final class DeadLetters {
    public static final String ORIGINAL_TOPIC = "llm.original.topic";
    public static final String ORIGINAL_PARTITION = "llm.original.partition";
    public static final String ORIGINAL_OFFSET = "llm.original.offset";
    public static final String ERROR = "llm.error";

    private final Producer<String, byte[]> producer;

    public DeadLetters(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    /** Sends and waits for the broker's ack: the original is committed past right after. */
    public void send(ConsumerRecord<String, byte[]> original, String reason) {
        var headers = new RecordHeaders(original.headers().toArray());
        headers.add(ORIGINAL_TOPIC, utf8(original.topic()));
        headers.add(ORIGINAL_PARTITION, utf8(Integer.toString(original.partition())));
        headers.add(ORIGINAL_OFFSET, utf8(Long.toString(original.offset())));
        headers.add(ERROR, utf8(reason));
        var record = new ProducerRecord<>(Topics.DEAD_LETTER, null, original.key(), original.value(), headers);
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering " + original.topic(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not dead-letter a message from " + original.topic() + "@"
                    + original.offset() + ": " + e.getMessage(), e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
