package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.FinishReason;
import dev.llmmesh.core.generate.Generator;
import dev.llmmesh.core.generate.StepEvent;
import dev.llmmesh.core.generate.TokenText;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.inference.kv.KvPrefixStore;
import dev.llmmesh.inference.kv.StoredPrefixCache;
import dev.llmmesh.inference.models.LoadedModel;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Serves one model: a thread of its own loads the weights, then owns a {@link BatchDecoder} and drives it step by
 * step. Requests join and leave between steps (continuous batching); each step's tokens are buffered per choice and
 * go out as chunks. Everything else talks to the thread through its inbox, so the decoder needs no locks.
 */
public final class ModelEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelEngine.class);

    public enum State { LOADING, READY, FAILED, CLOSED }

    /** Loads the model's weights and tokenizer (on the engine's thread, never on a Kafka thread). */
    @FunctionalInterface
    public interface Loader {
        LoadedModel load() throws Exception;
    }

    private sealed interface Command permits Submit, Cancel, Abandon, Wake {
    }

    /** @param trace the span the request was received in: its chunks are sent inside it */
    private record Submit(CompletionRequest request, Ticket ticket, Context trace, long arrivedNanos)
            implements Command {
    }

    private record Cancel(String requestId) implements Command {
    }

    private record Abandon(Set<Integer> partitions) implements Command {
    }

    private record Wake() implements Command {
    }

    private record ChoiceRef(ActiveRequest request, ChoiceStream choice) {
    }

    private final ModelAnnouncement announcement;
    private final Loader loader;
    private final InferenceSettings settings;
    private final ChunkSink sink;
    private final InferenceMetrics metrics;
    private final KvPrefixStore prefixStore;
    private final BlockingQueue<Command> inbox = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Map<String, ActiveRequest> active = new LinkedHashMap<>();
    private final Map<Long, ChoiceRef> bySequence = new HashMap<>();
    private volatile State state = State.LOADING;
    private volatile String failure;
    private volatile int capacity;
    private volatile int activeCount;
    private volatile boolean retiring;
    private volatile boolean stopping;

    /** @param prefixStore where prompt-prefix KV states are shared ({@link KvPrefixStore#NONE}: nowhere) */
    public ModelEngine(ModelAnnouncement announcement, Loader loader, InferenceSettings settings, ChunkSink sink,
                       InferenceMetrics metrics, KvPrefixStore prefixStore) {
        this.announcement = announcement;
        this.prefixStore = prefixStore;
        this.metrics = metrics;
        this.loader = loader;
        this.settings = settings;
        this.sink = sink;
        this.thread = Thread.ofPlatform().daemon().name("engine-" + announcement.modelId()).unstarted(this::run);
    }

    public ModelEngine start() {
        thread.start();
        return this;
    }

    public ModelAnnouncement announcement() {
        return announcement;
    }

    public State state() {
        return state;
    }

    /** Why loading failed, when {@link #state()} is FAILED. */
    public String failure() {
        return failure;
    }

    /** Positions per sequence (prompt + completion) once loaded; 0 before. */
    public int capacity() {
        return capacity;
    }

    /** Requests being decoded or waiting for a slot, as of the engine's last loop. */
    public int activeRequests() {
        return activeCount;
    }

    /** Queues a request; it is answered on {@code llm.inference.events} and then {@code ticket} is told. */
    public void submit(CompletionRequest request, Ticket ticket) {
        inbox.add(new Submit(request, ticket, Context.current(), System.nanoTime()));
    }

    /** Ends a request now; its choices end with finish reason {@code cancelled}. Unknown ids are ignored. */
    public void cancel(String requestId) {
        inbox.add(new Cancel(requestId));
    }

    /** Drops, without an answer, the requests of partitions this replica no longer owns: their next owner answers. */
    public void abandon(Set<Integer> partitions) {
        inbox.add(new Abandon(Set.copyOf(partitions)));
    }

    /** Takes no new requests (the catalog no longer routes here); ends once the running ones are answered. */
    public void retire() {
        retiring = true;
        inbox.add(new Wake());
    }

    /** Stops now: requests in progress stay unanswered (and uncommitted) for another replica. */
    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        LoadedModel loaded;
        try {
            long t0 = System.nanoTime();
            loaded = loader.load();
            LOG.info("model {} loaded in {} ms ({} parameters, tokenizer {}); decode steps: {}", announcement.modelId(),
                    (System.nanoTime() - t0) / 1_000_000, loaded.model().parameterCount(), loaded.tokenizer().name(),
                    loaded.model().decodePath());
        } catch (Exception e) {
            fail("it could not be loaded: " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
            refuseUntilStopped();
            return;
        }
        int contextLength = loaded.model().config().contextLength();
        capacity = settings.capacity() == 0 ? contextLength : Math.min(settings.capacity(), contextLength);
        try (loaded; StoredPrefixCache prefixes = new StoredPrefixCache(prefixStore, announcement.modelId(),
                KvPrefixStore.fingerprint(announcement), loaded.model().config())) {
            boolean done = false;
            while (!done) {
                BatchDecoder decoder;
                try {
                    decoder = new BatchDecoder(loaded.model(), TokenText.of(loaded.tokenizer()),
                            settings.maxSequences(), capacity, prefixes);
                } catch (RuntimeException e) {
                    // Typically a cache too big for the device: settings to change, not a step to retry.
                    fail("its decoder could not be set up (llm.inference.max-sequences " + settings.maxSequences()
                            + ", capacity " + capacity + "): " + e.getMessage(), e);
                    failActive(e);
                    refuseUntilStopped();
                    return;
                }
                state = State.READY;
                try (decoder) {
                    serve(decoder, loaded.tokenizer());
                    done = true;
                } catch (RuntimeException e) {
                    // A decoder that threw mid-step may hold half-written state: answer its requests with the
                    // error and go on with a fresh one, rather than leave them (and the partition) hanging.
                    LOG.error("decoding model {} failed; {} request(s) answered with an error", announcement.modelId(),
                            active.size(), e);
                    failActive(e);
                    done = stopping;
                }
            }
            state = State.CLOSED;
        }
    }

    private void fail(String reason, Exception cause) {
        failure = reason;
        state = State.FAILED;
        LOG.error("model {}: {}", announcement.modelId(), reason, cause);
    }

    private void failActive(RuntimeException cause) {
        var error = CompletionErrors.internal("The replica failed while generating: " + cause);
        for (ActiveRequest request : active.values()) {
            String id = request.request().requestId();
            List<Ticket> tickets = List.copyOf(request.tickets());
            try (Scope ignored = request.trace().makeCurrent()) {
                sink.send(CompletionErrors.chunk(id, settings.replica(), error))
                        .whenComplete((ok, e) -> answered(tickets, id, e));
            }
        }
        active.values().forEach(r -> metrics.finished(announcement.modelId(), "failed"));
        active.clear();
        bySequence.clear();
    }

    private void serve(BatchDecoder decoder, Tokenizer tokenizer) {
        Set<Integer> stopTokens = new HashSet<>();
        Integer endOfText = tokenizer.specialTokens().get(Admission.END_OF_TEXT);
        if (endOfText != null) {
            stopTokens.add(endOfText);
        }
        long intervalNanos = settings.chunkInterval().toNanos();
        long reusedReported = 0;
        long computedReported = 0;
        while (!stopping) {
            Command command;
            try {
                // Idle: sleep until work comes. Busy: take what is there and step on; buffered tokens wait at most
                // one interval, and a step is never longer than a forward.
                command = decoder.idle() ? inbox.poll(1, TimeUnit.SECONDS) : inbox.poll();
            } catch (InterruptedException e) {
                break;
            }
            while (command != null && !stopping) {
                handle(command, decoder, tokenizer, stopTokens);
                command = inbox.poll();
            }
            if (stopping) {
                break;
            }
            if (retiring && active.isEmpty() && decoder.idle()) {
                break;
            }
            expire(decoder, Instant.now());
            if (!decoder.idle()) {
                long now = System.nanoTime();
                List<StepEvent> events = decoder.step();
                metrics.tokens(announcement.modelId(),
                        (int) events.stream().filter(e -> e.token() != StepEvent.NO_TOKEN).count());
                metrics.promptTokens(announcement.modelId(), decoder.promptTokensReused() - reusedReported,
                        decoder.promptTokensComputed() - computedReported);
                reusedReported = decoder.promptTokensReused();
                computedReported = decoder.promptTokensComputed();
                for (StepEvent event : events) {
                    ChoiceRef ref = bySequence.get(event.sequence());
                    if (ref != null) {
                        ref.choice().add(event, now);
                        if (event.finished()) {
                            bySequence.remove(event.sequence());
                        }
                    }
                }
            }
            flush(System.nanoTime(), intervalNanos);
            activeCount = active.size();
        }
        if (!stopping) {
            // Retired: whatever reached the inbox after the last look goes back as unavailable, not silently lost.
            for (Command left; (left = inbox.poll()) != null; ) {
                if (left instanceof Submit submit) {
                    refuse(submit, CompletionErrors.modelUnavailable(announcement.modelId(),
                            "it was replaced or withdrawn; send the request again"));
                }
            }
        }
    }

    private void handle(Command command, BatchDecoder decoder, Tokenizer tokenizer, Set<Integer> stopTokens) {
        switch (command) {
            case Submit submit -> admit(submit, decoder, tokenizer, stopTokens);
            case Cancel cancel -> {
                ActiveRequest request = active.get(cancel.requestId());
                if (request != null) {
                    drop(request, decoder);
                    request.choices().forEach(c -> c.cancel(FinishReason.CANCELLED.wireName()));
                    LOG.debug("request {} cancelled", cancel.requestId());
                }
            }
            case Abandon abandon -> {
                for (Iterator<ActiveRequest> it = active.values().iterator(); it.hasNext(); ) {
                    ActiveRequest request = it.next();
                    request.tickets().removeIf(t -> abandon.partitions().contains(t.partition()));
                    if (request.tickets().isEmpty()) {
                        drop(request, decoder);
                        it.remove();
                        metrics.finished(announcement.modelId(), "abandoned");
                        LOG.info("request {} left to the next owner of its partition", request.request().requestId());
                    }
                }
            }
            case Wake wake -> {
            }
        }
    }

    private void admit(Submit submit, BatchDecoder decoder, Tokenizer tokenizer, Set<Integer> stopTokens) {
        CompletionRequest request = submit.request();
        if (request.deadline() != null && Instant.now().isAfter(request.deadline())) {
            submit.ticket().answered();
            return;
        }
        ActiveRequest running = active.get(request.requestId());
        if (running != null) {
            // The same request again (re-sent, or re-read after a rebalance): one answer serves both.
            running.tickets().add(submit.ticket());
            return;
        }
        List<Long> submitted = new ArrayList<>();
        try {
            start(submit, decoder, tokenizer, stopTokens, submitted);
        } catch (RuntimeException e) {
            // A request that breaks admission (a bug this input found) fails alone: its sequences go, it gets its
            // error and is committed, rather than failing the batch and coming back at every replica start.
            LOG.error("request {} could not be admitted; answered with an error", request.requestId(), e);
            submitted.forEach(decoder::cancel);
            submitted.forEach(bySequence::remove);
            active.remove(request.requestId());
            refuse(submit, CompletionErrors.internal("the replica could not take the request (" + e
                    + "); this is a bug: report it with the request id " + request.requestId()));
        }
    }

    /** Admits a request into the decoder; {@code submitted} collects its sequences as they go in. */
    private void start(Submit submit, BatchDecoder decoder, Tokenizer tokenizer, Set<Integer> stopTokens,
                       List<Long> submitted) {
        CompletionRequest request = submit.request();
        switch (Admission.admit(request, tokenizer, capacity)) {
            case Admission.Refused refused -> refuse(submit, refused.error());
            case Admission.Admitted admitted -> {
                var params = admitted.params();
                long[] seeds = Generator.sampleSeeds(params.seed(), params.n());
                long[] sequences = new long[params.n()];
                List<ChoiceStream> choices = new ArrayList<>(params.n());
                for (int i = 0; i < params.n(); i++) {
                    try {
                        sequences[i] = decoder.submit(admitted.prompt(), params, seeds[i]);
                        submitted.add(sequences[i]);
                    } catch (IllegalArgumentException e) {
                        // Admission checked what the decoder checks; should they ever disagree, only this request
                        // fails.
                        submitted.forEach(decoder::cancel);
                        refuse(submit, CompletionErrors.invalid("prompt", e.getMessage()));
                        return;
                    }
                    choices.add(new ChoiceStream(request.requestId(), i, settings.replica(), tokenizer, stopTokens,
                            params.logprobs() != null, params.echo() ? admitted.prompt() : null,
                            Boolean.FALSE.equals(request.stream())));
                }
                var activeRequest = new ActiveRequest(request, admitted.prompt().length, sequences, choices,
                        submit.ticket(), submit.trace(), submit.arrivedNanos());
                active.put(request.requestId(), activeRequest);
                for (int i = 0; i < sequences.length; i++) {
                    bySequence.put(sequences[i], new ChoiceRef(activeRequest, choices.get(i)));
                }
            }
        }
    }

    private void refuse(Submit submit, CompletionChunk.InferenceError error) {
        metrics.finished(announcement.modelId(), "refused");
        try (Scope ignored = submit.trace().makeCurrent()) {
            sink.send(CompletionErrors.chunk(submit.request().requestId(), settings.replica(), error))
                    .whenComplete((ok, e) -> answered(List.of(submit.ticket()), submit.request().requestId(), e));
        }
    }

    /** Nobody waits for a request past its deadline: stop spending steps on it. */
    private void expire(BatchDecoder decoder, Instant now) {
        for (Iterator<ActiveRequest> it = active.values().iterator(); it.hasNext(); ) {
            ActiveRequest request = it.next();
            if (request.expired(now)) {
                drop(request, decoder);
                it.remove();
                request.tickets().forEach(Ticket::answered);
                metrics.finished(announcement.modelId(), "expired");
                LOG.info("request {} passed its deadline; dropped", request.request().requestId());
            }
        }
    }

    private void drop(ActiveRequest request, BatchDecoder decoder) {
        for (long sequence : request.sequences()) {
            decoder.cancel(sequence);
            bySequence.remove(sequence);
        }
    }

    private void flush(long now, long intervalNanos) {
        for (Iterator<ActiveRequest> it = active.values().iterator(); it.hasNext(); ) {
            ActiveRequest request = it.next();
            boolean ending = request.allFinished();
            List<ChoiceStream> due = request.choices().stream()
                    .filter(c -> c.due(now, settings.chunkTokens(), intervalNanos)).toList();
            for (int i = 0; i < due.size(); i++) {
                // The request's very last chunk carries the usage: the final one of the last choices to end.
                boolean last = ending && i == due.size() - 1;
                CompletionChunk chunk = due.get(i).take(last ? request.usage() : null);
                CompletableFuture<Void> sent;
                try (Scope ignored = request.trace().makeCurrent()) {
                    sent = sink.send(chunk);
                }
                if (request.firstChunkOut()) {
                    metrics.firstToken(announcement.modelId(), request.sinceArrival(System.nanoTime()));
                }
                if (last) {
                    List<Ticket> tickets = List.copyOf(request.tickets());
                    String id = request.request().requestId();
                    sent.whenComplete((ok, e) -> answered(tickets, id, e));
                }
            }
            if (ending) {
                it.remove();
                metrics.finished(announcement.modelId(), request.cancelled() ? "cancelled" : "completed");
            }
        }
    }

    private void answered(List<Ticket> tickets, String requestId, Throwable sendFailure) {
        if (sendFailure != null) {
            // Left uncommitted: the partition's next owner answers it again.
            LOG.error("the last chunk of request {} did not reach Kafka", requestId, sendFailure);
            return;
        }
        tickets.forEach(Ticket::answered);
    }

    /** A model that failed to load still answers, so clients hear why instead of timing out. */
    private void refuseUntilStopped() {
        while (!stopping) {
            try {
                if (inbox.poll(1, TimeUnit.SECONDS) instanceof Submit submit) {
                    refuse(submit, CompletionErrors.modelUnavailable(announcement.modelId(), failure));
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
