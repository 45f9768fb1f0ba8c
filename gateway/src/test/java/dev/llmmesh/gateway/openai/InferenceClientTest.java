package dev.llmmesh.gateway.openai;

import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import io.micronaut.http.HttpStatus;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;

import java.nio.charset.StandardCharsets;
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

    @Test
    void anAnsweredRequestIsNotCancelledWhenItsAnswerIsTaken() {
        CompletionRequest request = request();
        var taken = new CompletableFuture<Choices>();
        // As Micronaut takes a Mono's value: cancelling its subscription in onNext, before onComplete.
        Choices.collect(client.complete(request), 1).subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnNext(Choices value) {
                cancel();
                taken.complete(value);
            }
        });
        relay.receive(lastChunk(request));
        assertEquals("hi", taken.join().choice(0).text());
        assertEquals(1, producer.history().size(), "only the request was written, no cancel after the answer");
    }

    @Test
    void aClientThatGoesAwayCancelsTheRequest() {
        var subscription = client.complete(request()).subscribe();
        subscription.dispose();
        assertEquals(2, producer.history().size());
        assertTrue(new String(producer.history().get(1).value(), StandardCharsets.UTF_8).contains("cancel"),
                new String(producer.history().get(1).value(), StandardCharsets.UTF_8));
    }

    private static ConsumerRecord<String, byte[]> lastChunk(CompletionRequest request) {
        var chunk = new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, request.requestId(), 0,
                0, 0, 0, "replica", null, List.of(), "hi", "stop", new CompletionChunk.Usage(1, 1), null);
        return new ConsumerRecord<>("llm.inference.events", 0, 0, request.requestId(), Json.bytes(chunk));
    }

    private static CompletionRequest request() {
        return new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "cmpl-test-" + System.nanoTime(), null, "m",
                "hello", null, SamplingParams.builder().maxTokens(4).temperature(0).seed(1L).build(), false, null,
                Instant.now().plusSeconds(60), false);
    }
}
