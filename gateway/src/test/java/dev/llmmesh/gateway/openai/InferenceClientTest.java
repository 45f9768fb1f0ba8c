package dev.llmmesh.gateway.openai;

import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import io.micronaut.http.HttpStatus;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request is written without waiting for its acknowledgement, yet a write that fails never leaves a hang. */
class InferenceClientTest {
    private final MockProducer<String, byte[]> producer = new MockProducer<>(false, new StringSerializer(),
            new ByteArraySerializer());
    private final InferenceRelay relay = new InferenceRelay();
    private final InferenceClient client = new InferenceClient(producer, relay, Duration.ofSeconds(30),
            Duration.ofSeconds(30));

    InferenceClientTest() {
        relay.onPartitionsAssigned(List.of(new TopicPartition("llm.inference.events", 0)));
    }

    @Test
    void aWriteTheBrokerRefusesEndsTheAnswerWith503() throws Exception {
        var answer = CompletableFuture.supplyAsync(() -> client.complete(request()).collectList()
                .block(Duration.ofSeconds(10)));
        for (int i = 0; i < 500 && producer.history().isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertEquals(1, producer.history().size(), "the request is handed to the producer");
        assertTrue(producer.errorNext(new KafkaException("broker gone")));
        var thrown = assertThrows(Exception.class, answer::join);
        var cause = thrown.getCause();
        assertTrue(cause instanceof OpenAiException, String.valueOf(cause));
        assertEquals(HttpStatus.SERVICE_UNAVAILABLE, ((OpenAiException) cause).status());
        assertTrue(cause.getMessage().contains("broker gone"), cause.getMessage());
    }

    @Test
    void aProducerThatRefusesAtOnceIs503Too() {
        producer.close();
        var thrown = assertThrows(OpenAiException.class, () -> client.complete(request()));
        assertEquals(HttpStatus.SERVICE_UNAVAILABLE, thrown.status());
    }

    private static CompletionRequest request() {
        return new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "cmpl-test-" + System.nanoTime(), null, "m",
                "hello", 4, 0, 0, 1, 0, 1, 0, 0, List.of(), 1, 1, null, false, null,
                Instant.now().plusSeconds(60), false);
    }
}
