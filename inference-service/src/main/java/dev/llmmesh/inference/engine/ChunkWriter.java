package dev.llmmesh.inference.engine;

import dev.llmmesh.mesh.inference.CompletionChunk;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;

/**
 * Sends what each choice has buffered once it is due (enough tokens, waited long enough, or the choice's end), and
 * takes a request out of the table with its last chunk. Fewer, larger chunks cost the decode loop less; the
 * interval bounds how long a streamed token waits.
 */
final class ChunkWriter {
    private final String modelId;
    private final int chunkTokens;
    private final long intervalNanos;
    private final Outbox outbox;
    private final InferenceMetrics metrics;

    ChunkWriter(String modelId, int chunkTokens, Duration interval, Outbox outbox, InferenceMetrics metrics) {
        this.modelId = modelId;
        this.chunkTokens = chunkTokens;
        this.intervalNanos = interval.toNanos();
        this.outbox = outbox;
        this.metrics = metrics;
    }

    void flush(RequestTable table, long nowNanos) {
        for (Iterator<ActiveRequest> it = table.iterator(); it.hasNext(); ) {
            ActiveRequest request = it.next();
            boolean ending = request.allFinished();
            List<ChoiceStream> due = request.choices().stream()
                    .filter(c -> c.due(nowNanos, chunkTokens, intervalNanos)).toList();
            for (int i = 0; i < due.size(); i++) {
                // The request's very last chunk carries the usage: the final one of the last choices to end.
                boolean last = ending && i == due.size() - 1;
                CompletionChunk chunk = due.get(i).take(last ? request.usage() : null);
                if (last) {
                    outbox.sendLast(request.trace(), chunk, request.tickets());
                } else {
                    outbox.send(request.trace(), chunk);
                }
                if (request.firstChunkOut()) {
                    metrics.firstToken(modelId, request.sinceArrival(System.nanoTime()));
                }
            }
            if (ending) {
                it.remove();
                metrics.finished(modelId, request.cancelled() ? "cancelled" : "completed");
            }
        }
    }
}
