package dev.llmmesh.gateway.openai;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CancelCompletion;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Sends a completion to the inference replicas and streams its chunks back, each exactly once and in order: when a
 * replica dies and another takes the request over, it regenerates the same tokens (the request is seeded) from
 * the start, and what was already relayed is skipped by position ({@link RelayedChoices}).
 *
 * <p>The request is written without waiting for the broker's acknowledgement before waiting for the answer: the
 * replica can only read it once it is on the log (so an answer proves it was written), and the acknowledgement
 * would arrive in parallel with that read anyway. A write that fails ends the chunks with a 503 instead.
 */
@Singleton
public class InferenceClient {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceClient.class);

    private final Producer<String, byte[]> producer;
    private final InferenceRelay relay;
    private final Duration firstChunkTimeout;
    private final Duration chunkTimeout;

    public InferenceClient(@KafkaClient("inference-requests") Producer<String, byte[]> producer, InferenceRelay relay,
                           @Value("${llm.gateway.inference.first-chunk-timeout:120s}") Duration firstChunkTimeout,
                           @Value("${llm.gateway.inference.chunk-timeout:30s}") Duration chunkTimeout) {
        this.producer = producer;
        this.relay = relay;
        this.firstChunkTimeout = firstChunkTimeout;
        this.chunkTimeout = chunkTimeout;
    }

    /** The request's chunks, ending after the last one; an error chunk or silence ends it with an {@link OpenAiException}. */
    public Flux<CompletionChunk> complete(CompletionRequest request) {
        requireReady();
        Sinks.Many<CompletionChunk> sink = Sinks.many().unicast().onBackpressureBuffer();
        RelayedChoices relayed = new RelayedChoices();
        // Set before the completion is signalled: a subscriber that cancels as it takes the answer (as a Mono's
        // does) must not send a cancel for a request that is already answered.
        AtomicBoolean answered = new AtomicBoolean();
        relay.await(request.requestId(), chunk -> {
            synchronized (relayed) {
                CompletionChunk fresh = relayed.fresh(chunk);
                if (fresh == null) {
                    return;
                }
                if (fresh.last()) {
                    answered.set(true);
                }
                sink.tryEmitNext(fresh);
                if (fresh.last()) {
                    sink.tryEmitComplete();
                }
            }
        });
        try {
            send(request, failure -> {
                synchronized (relayed) {
                    sink.tryEmitError(unavailable(failure, null));
                }
            });
        } catch (RuntimeException e) {
            relay.release(request.requestId());
            throw unavailable(e, null);
        }
        return sink.asFlux()
                .timeout(Mono.delay(firstChunkTimeout), chunk -> Mono.delay(chunkTimeout))
                .onErrorMap(TimeoutException.class, e -> timedOut(request.requestId(), request.modelId()))
                .handle(InferenceClient::chunkOrError)
                .doOnCancel(() -> {
                    if (!answered.get()) {
                        cancel(request);
                    }
                })
                .doFinally(signal -> relay.release(request.requestId()));
    }

    /**
     * A classification's answer: the one chunk a replica answers it with (its {@code classified}), or an
     * {@link OpenAiException} for an error chunk, silence past the first-chunk timeout, or Kafka refusing the
     * request. Nothing is relayed before the answer, so a replica taking the request over simply answers it again.
     */
    public Mono<CompletionChunk> classify(ClassifyRequest request) {
        requireReady();
        Sinks.One<CompletionChunk> answer = Sinks.one();
        relay.await(request.requestId(), chunk -> {
            if (chunk.last()) {
                answer.tryEmitValue(chunk);
            }
        });
        try {
            send(request, failure -> answer.tryEmitError(unavailable(failure, "input")));
        } catch (RuntimeException e) {
            relay.release(request.requestId());
            throw unavailable(e, "input");
        }
        return answer.asMono()
                .timeout(firstChunkTimeout)
                .onErrorMap(TimeoutException.class, e -> timedOut(request.requestId(), request.modelId()))
                .handle(InferenceClient::chunkOrError)
                .doFinally(signal -> relay.release(request.requestId()));
    }

    private OpenAiException timedOut(String requestId, String modelId) {
        LOG.warn("inference request {} for model {} timed out", requestId, modelId);
        return new OpenAiException(HttpStatus.GATEWAY_TIMEOUT, "server_error", null, "timeout", "no inference replica "
                + "answered request " + requestId + " in time (first chunk within " + firstChunkTimeout.toSeconds()
                + " s, then a chunk at least every " + chunkTimeout.toSeconds() + " s); check that inference-service "
                + "is running and has loaded model '" + modelId + "' (GET /v1/models)");
    }

    private void requireReady() {
        if (!relay.ready()) {
            throw new OpenAiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, "unavailable",
                    "the gateway is still connecting to llm.inference.events; retry in a few seconds");
        }
    }

    /** A replica's error chunk ends the answer with the error it stands for. */
    private static void chunkOrError(CompletionChunk chunk, SynchronousSink<CompletionChunk> out) {
        if (chunk.error() != null) {
            out.error(fromChunk(chunk.error()));
        } else {
            out.next(chunk);
        }
    }

    private static OpenAiException fromChunk(CompletionChunk.InferenceError error) {
        HttpStatus status = HttpStatus.valueOf(error.status());
        String type = error.status() < 500 ? "invalid_request_error" : "server_error";
        // model_loading carries a Retry-After: the model is on its way, the client sends the request again.
        return new OpenAiException(status, type, error.param(), error.code(), error.message(),
                error.retryAfterSeconds());
    }

    /** The client went away: the replica can stop spending compute on it. */
    private void cancel(CompletionRequest request) {
        Consumer<Exception> failed = e -> LOG.warn("could not cancel completion {}: {}", request.requestId(),
                e.toString());
        try {
            send(new CancelCompletion(InferenceCommand.SCHEMA_VERSION, request.requestId(), request.routingKey()),
                    failed);
        } catch (RuntimeException e) {
            failed.accept(e);
        }
    }

    /**
     * Hands the command to the producer; {@code failed} hears, on the producer's thread, if the broker did not take
     * it. Throws when the producer refuses it at once (no metadata for the topic in time, the producer closed).
     */
    private void send(InferenceCommand command, Consumer<Exception> failed) {
        producer.send(new ProducerRecord<>(Topics.INFERENCE_REQUESTS, command.routingKey(), Json.bytes(command)),
                (metadata, e) -> {
                    if (e != null) {
                        failed.accept(e);
                    }
                });
    }

    /** Kafka's refusal; {@code param} names what to shorten when the request was too large for one record. */
    private static OpenAiException unavailable(Exception e, String param) {
        if (e instanceof RecordTooLargeException) {
            // the same request never fits: not a "retry"
            return new OpenAiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error", param,
                    "request_too_large", "the request is larger than one Kafka record may be (" + e.getMessage()
                    + "); send less in one request: fewer or shorter texts, or a shorter prompt");
        }
        return new OpenAiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, "unavailable",
                "Kafka did not accept the request (" + e.getMessage() + "); retry, and check the broker");
    }
}
