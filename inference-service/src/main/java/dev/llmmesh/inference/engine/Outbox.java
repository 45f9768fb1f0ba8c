package dev.llmmesh.inference.engine;

import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where an engine's chunks leave: each is sent inside the trace its request arrived in (so it continues the
 * gateway's trace), and a request's tickets are told it is answered only once its last chunk is on the broker:
 * only then may the consumer commit its offset.
 */
final class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final ChunkSink sink;
    private final String replica;

    Outbox(ChunkSink sink, String replica) {
        this.sink = sink;
        this.replica = replica;
    }

    CompletableFuture<Void> send(Context trace, CompletionChunk chunk) {
        try (Scope ignored = trace.makeCurrent()) {
            return sink.send(chunk);
        }
    }

    /** Sends a request's last chunk; {@code tickets} are answered once the broker has it. */
    void sendLast(Context trace, CompletionChunk chunk, List<Ticket> tickets) {
        List<Ticket> told = List.copyOf(tickets);
        send(trace, chunk).whenComplete((ok, e) -> answered(told, chunk.requestId(), e));
    }

    /** Answers a request with an error instead of tokens. */
    void error(Context trace, String requestId, InferenceError error, List<Ticket> tickets) {
        sendLast(trace, CompletionErrors.chunk(requestId, replica, error), tickets);
    }

    private static void answered(List<Ticket> tickets, String requestId, Throwable sendFailure) {
        if (sendFailure != null) {
            // Left uncommitted: the partition's next owner answers it again.
            LOG.error("the last chunk of request {} did not reach Kafka", requestId, sendFailure);
            return;
        }
        tickets.forEach(Ticket::answered);
    }
}
