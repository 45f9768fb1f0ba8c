package dev.llmmesh.inference.engine;

import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.inference.kv.KvPrefixStore;
import dev.llmmesh.inference.models.LoadedModel;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionRequest;
import io.opentelemetry.context.Context;

import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Serves one model on a thread of its own, which loads the weights, then drives a decoder step by step. Everything
 * else talks to that thread through its inbox, so the decoder needs no locks. The parts, each on its own: the
 * thread's life ({@link EngineLifecycle}), what it publishes ({@link EngineState}), the decode loop
 * ({@link DecodeLoop}), taking requests in ({@link Intake}, {@link Admission}), the requests in flight
 * ({@link RequestTable}), chunks out ({@link ChunkWriter}, {@link Outbox}) and deadlines ({@link Deadlines}). A
 * classifier has no decoder: {@link ClassifyLoop} labels its requests in batched forwards instead.
 */
public final class ModelEngine implements AutoCloseable {
    public enum State { LOADING, READY, FAILED, CLOSED }

    /** Loads the model's weights and tokenizer (on the engine's thread, never on a Kafka thread). */
    @FunctionalInterface
    public interface Loader {
        LoadedModel load() throws Exception;
    }

    private final ModelAnnouncement announcement;
    private final EngineState state = new EngineState();
    private final BlockingQueue<EngineCommand> inbox = new LinkedBlockingQueue<>();
    private final Thread thread;

    /** @param prefixStore where prompt-prefix KV states are shared ({@link KvPrefixStore#NONE}: nowhere) */
    public ModelEngine(ModelAnnouncement announcement, Loader loader, InferenceSettings settings, ChunkSink sink,
                       InferenceMetrics metrics, KvPrefixStore prefixStore) {
        this.announcement = announcement;
        String modelId = announcement.modelId();
        Outbox outbox = new Outbox(sink, settings.replica());
        RequestTable table = new RequestTable(modelId, metrics, Deadlines.SYSTEM);
        Intake intake = new Intake(modelId, settings.replica(), table, outbox, metrics, Deadlines.SYSTEM);
        DecodeLoop loop = new DecodeLoop(modelId, inbox, state, table, intake,
                new ChunkWriter(modelId, settings.chunkTokens(), settings.chunkInterval(), outbox, metrics), metrics);
        var classifyLoop = new ClassifyLoop(modelId, settings.replica(), inbox, state, outbox, metrics,
                Deadlines.SYSTEM);
        var lifecycle = new EngineLifecycle(announcement, loader, settings, prefixStore, state, inbox, table, intake,
                outbox, loop, classifyLoop);
        this.thread = Thread.ofPlatform().daemon().name("engine-" + modelId).unstarted(lifecycle);
    }

    public ModelEngine start() {
        thread.start();
        return this;
    }

    public ModelAnnouncement announcement() {
        return announcement;
    }

    public State state() {
        return state.state();
    }

    /** Why loading failed, when {@link #state()} is FAILED. */
    public String failure() {
        return state.failure();
    }

    /** Positions per sequence (prompt + completion) once loaded; 0 before. */
    public int capacity() {
        return state.capacity();
    }

    /** Requests being decoded or waiting for a slot, as of the engine's last loop. */
    public int activeRequests() {
        return state.activeRequests();
    }

    /** Queues a request; it is answered on {@code llm.inference.events} and then {@code ticket} is told. */
    public void submit(CompletionRequest request, Ticket ticket) {
        inbox.add(new EngineCommand.Submit(request, ticket, Context.current(), System.nanoTime()));
    }

    /** Queues texts for a classifier; all the classify requests waiting together are labeled in one forward. */
    public void classify(ClassifyRequest request, Ticket ticket) {
        inbox.add(new EngineCommand.Classify(request, ticket, Context.current(), System.nanoTime()));
    }

    /** Ends a request now; its choices end with finish reason {@code cancelled}. Unknown ids are ignored. */
    public void cancel(String requestId) {
        inbox.add(new EngineCommand.Cancel(requestId));
    }

    /** Drops, without an answer, the requests of partitions this replica no longer owns: their next owner answers. */
    public void abandon(Set<Integer> partitions) {
        inbox.add(new EngineCommand.Abandon(Set.copyOf(partitions)));
    }

    /** Takes no new requests (the catalog no longer routes here); ends once the running ones are answered. */
    public void retire() {
        state.retire();
        inbox.add(new EngineCommand.Wake());
    }

    /** Stops now: requests in progress stay unanswered (and uncommitted) for another replica. */
    @Override
    public void close() {
        state.stop();
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
