package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.FinishReason;
import dev.llmmesh.core.generate.StepEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The requests an engine is answering, by id and by decoder sequence (one per choice), and the ways one leaves
 * before its end: cancelled, abandoned with its partition, expired, or failed with its decoder. Engine thread only.
 */
final class RequestTable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestTable.class);

    private record ChoiceRef(ActiveRequest request, ChoiceStream choice) {
    }

    private final String modelId;
    private final InferenceMetrics metrics;
    private final Deadlines deadlines;
    private final Map<String, ActiveRequest> active = new LinkedHashMap<>();
    private final Map<Long, ChoiceRef> bySequence = new HashMap<>();

    RequestTable(String modelId, InferenceMetrics metrics, Deadlines deadlines) {
        this.modelId = modelId;
        this.metrics = metrics;
        this.deadlines = deadlines;
    }

    ActiveRequest get(String requestId) {
        return active.get(requestId);
    }

    void add(ActiveRequest request) {
        active.put(request.request().requestId(), request);
        long[] sequences = request.sequences();
        for (int i = 0; i < sequences.length; i++) {
            bySequence.put(sequences[i], new ChoiceRef(request, request.choices().get(i)));
        }
    }

    boolean isEmpty() {
        return active.isEmpty();
    }

    int size() {
        return active.size();
    }

    /** In admission order; {@link Iterator#remove()} takes a request out once its last chunk is sent. */
    Iterator<ActiveRequest> iterator() {
        return active.values().iterator();
    }

    /** Hands each step's tokens to the choice they belong to. */
    void deliver(List<StepEvent> events, long nowNanos) {
        for (StepEvent event : events) {
            ChoiceRef ref = bySequence.get(event.sequence());
            if (ref != null) {
                ref.choice().add(event, nowNanos);
                if (event.finished()) {
                    bySequence.remove(event.sequence());
                }
            }
        }
    }

    /** Its choices end with finish reason {@code cancelled}, and go out as such with the next flush. */
    void cancel(String requestId, BatchDecoder decoder) {
        ActiveRequest request = active.get(requestId);
        if (request != null) {
            drop(request, decoder);
            request.choices().forEach(c -> c.cancel(FinishReason.CANCELLED.wireName()));
            LOG.debug("request {} cancelled", requestId);
        }
    }

    /** Drops, unanswered, what only partitions this replica no longer owns still wait for. */
    void abandon(Set<Integer> partitions, BatchDecoder decoder) {
        for (Iterator<ActiveRequest> it = active.values().iterator(); it.hasNext(); ) {
            ActiveRequest request = it.next();
            request.tickets().removeIf(t -> partitions.contains(t.partition()));
            if (request.tickets().isEmpty()) {
                drop(request, decoder);
                it.remove();
                metrics.finished(modelId, "abandoned");
                LOG.info("request {} left to the next owner of its partition", request.request().requestId());
            }
        }
    }

    /** Nobody waits for a request past its deadline: stop spending steps on it. */
    void expire(BatchDecoder decoder) {
        for (Iterator<ActiveRequest> it = active.values().iterator(); it.hasNext(); ) {
            ActiveRequest request = it.next();
            if (deadlines.passed(request.request())) {
                drop(request, decoder);
                it.remove();
                request.tickets().forEach(Ticket::answered);
                metrics.finished(modelId, "expired");
                LOG.info("request {} passed its deadline; dropped", request.request().requestId());
            }
        }
    }

    /** The decoder broke: every request is answered with the error, and the table starts empty again. */
    void failAll(RuntimeException cause, Outbox outbox) {
        var error = CompletionErrors.internal("The replica failed while generating: " + cause);
        for (ActiveRequest request : active.values()) {
            outbox.error(request.trace(), request.request().requestId(), error, request.tickets());
            metrics.finished(modelId, "failed");
        }
        active.clear();
        bySequence.clear();
    }

    /** Undoes a half-done admission: the sequences it submitted leave the decoder, the request the table. */
    void withdraw(String requestId, List<Long> sequences, BatchDecoder decoder) {
        sequences.forEach(decoder::cancel);
        sequences.forEach(bySequence::remove);
        active.remove(requestId);
    }

    private void drop(ActiveRequest request, BatchDecoder decoder) {
        for (long sequence : request.sequences()) {
            decoder.cancel(sequence);
            bySequence.remove(sequence);
        }
    }
}
