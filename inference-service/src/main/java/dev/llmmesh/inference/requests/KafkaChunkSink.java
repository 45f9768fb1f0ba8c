package dev.llmmesh.inference.requests;

import dev.llmmesh.inference.engine.ChunkSink;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CompletionChunk;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.concurrent.CompletableFuture;

/**
 * Chunks go to {@code llm.inference.events} keyed by request id, without waiting: one idempotent producer keeps a
 * request's chunks in order, so the acknowledgement of its last chunk means all of them are on the log.
 */
@Singleton
class KafkaChunkSink implements ChunkSink {
    private final Producer<String, byte[]> producer;

    KafkaChunkSink(@KafkaClient("inference-events") Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    @Override
    public CompletableFuture<Void> send(CompletionChunk chunk) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(Topics.INFERENCE_EVENTS, chunk.requestId(), Json.bytes(chunk)),
                (metadata, e) -> {
                    if (e == null) {
                        acked.complete(null);
                    } else {
                        acked.completeExceptionally(e);
                    }
                });
        return acked;
    }
}
