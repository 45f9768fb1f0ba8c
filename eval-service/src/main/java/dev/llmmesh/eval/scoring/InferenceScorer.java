package dev.llmmesh.eval.scoring;

import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CancelCompletion;
import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.CompletionChunk.TokenInfo;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.servicekit.KafkaClientProperties;
import dev.llmmesh.servicekit.TopicFollower;
import io.micronaut.configuration.kafka.annotation.KafkaClient;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Scores through the inference replicas with the gateway's protocol: a {@link CompletionRequest} on
 * {@code llm.inference.requests}, its chunks read back from {@code llm.inference.events}. Requests are seeded and
 * keyed by their id, so they spread over the partitions (hence the replicas, which batch them), and a replica
 * that takes one over regenerates the same tokens: what a choice already has is kept by position.
 *
 * <p>This replica follows every partition of the events from the end ({@link TopicFollower}: only its own
 * requests matter). A model being loaded answers {@code model_loading}: the
 * request is sent again after the pause it names.
 */
@Singleton
public class InferenceScorer {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceScorer.class);
    private static final String USER = "eval-service";

    private final Producer<String, byte[]> producer;
    private final Duration timeout;
    private final Map<String, Pending> waiting = new ConcurrentHashMap<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("scoring-timer").factory());
    private final TopicFollower follower;

    public InferenceScorer(@KafkaClient("eval-inference") Producer<String, byte[]> producer,
                           KafkaClientProperties kafka, @Value("${llm.eval.request-timeout:300s}") Duration timeout) {
        this.producer = producer;
        this.timeout = timeout;
        timer.scheduleAtFixedRate(this::expire, 1, 1, TimeUnit.SECONDS);
        // From the end: only requests sent from now on matter. A restart after a failure reads from the end again;
        // chunks published in between are lost, and the requests they answered fail when they time out.
        this.follower = new TopicFollower("scoring-events", kafka.consumer(Map.of()), Topics.INFERENCE_EVENTS,
                TopicFollower.From.END, new TopicFollower.Reader() {
                    @Override
                    public void started(Map<TopicPartition, Long> ends) {
                        // The end is resolved now: a request sent after this is answered after it.
                        ready.countDown();
                    }

                    @Override
                    public void record(ConsumerRecord<String, byte[]> record) {
                        receive(record);
                    }
                });
    }

    /** Log probabilities of every token of {@code prompt} but the first, each given the tokens before it. */
    public CompletableFuture<double[]> promptLogprobs(String modelId, int[] prompt, long seed) {
        return complete(promptRequest(modelId, prompt, seed)).thenApply(c -> c.promptLogprobs(1));
    }

    /** Greedy (temperature 0) text after {@code prompt}, up to {@code maxTokens} tokens or a stop text. */
    public CompletableFuture<Completion> generate(String modelId, String prompt, int maxTokens, List<String> stop,
                                                  long seed) {
        return complete(generateRequest(modelId, prompt, maxTokens, stop, seed));
    }

    private static CompletionRequest promptRequest(String modelId, int[] prompt, long seed) {
        List<Integer> tokens = new ArrayList<>(prompt.length);
        for (int token : prompt) {
            tokens.add(token);
        }
        SamplingParams sampling = SamplingParams.builder().maxTokens(0).temperature(0).echo(true).logprobs(1)
                .seed(seed).build();
        return request(modelId, null, tokens, sampling);
    }

    private static CompletionRequest generateRequest(String modelId, String prompt, int maxTokens, List<String> stop,
                                                     long seed) {
        SamplingParams sampling = SamplingParams.builder().maxTokens(maxTokens).temperature(0).stop(stop).seed(seed)
                .build();
        return request(modelId, prompt, null, sampling);
    }

    private static CompletionRequest request(String modelId, String prompt, List<Integer> tokens,
                                             SamplingParams sampling) {
        return new CompletionRequest(InferenceCommand.SCHEMA_VERSION, Ids.random("eval"), null, modelId, prompt,
                tokens, sampling, false, USER, null, false);
    }

    /** A classifier's labels for {@code texts} (its head, as {@code /v1/classify} answers), one item per text. */
    public CompletableFuture<Completion> classify(String modelId, List<String> texts) {
        return start(new Pending(new ClassifyRequest(InferenceCommand.SCHEMA_VERSION, Ids.random("eval"), modelId,
                texts, null), modelId));
    }

    /** A scope for one evaluation's requests: what it leaves outstanding when it ends is cancelled. */
    public Session session() {
        return new Session();
    }

    public CompletableFuture<Completion> complete(CompletionRequest request) {
        return start(new Pending(request, request.modelId()));
    }

    private CompletableFuture<Completion> start(Pending pending) {
        InferenceCommand request = pending.request;
        try {
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new ScoringException(pending.modelId, "not connected to " + Topics.INFERENCE_EVENTS
                        + " within 30 s; check the broker", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.future.completeExceptionally(e);
            return pending.future;
        }
        waiting.put(request.requestId(), pending);
        pending.future.whenComplete((c, e) -> {
            waiting.remove(request.requestId());
            if (pending.future.isCancelled()) {
                cancel(request);
            }
        });
        send(pending);
        return pending.future;
    }

    private void send(Pending pending) {
        pending.touch();
        InferenceCommand request = pending.request;
        Consumer<Exception> failed = e -> pending.future.completeExceptionally(new ScoringException(
                pending.modelId, "Kafka did not take the scoring request: " + e.getMessage(), null));
        try {
            producer.send(new ProducerRecord<>(Topics.INFERENCE_REQUESTS, request.routingKey(), Json.bytes(request)),
                    (metadata, e) -> {
                        if (e != null) {
                            failed.accept(e);
                        }
                    });
        } catch (RuntimeException e) {
            failed.accept(e);
        }
    }

    /** Tells the replica working on the request to stop (as the gateway does when its client goes away). */
    private void cancel(InferenceCommand request) {
        var command = new CancelCompletion(InferenceCommand.SCHEMA_VERSION, request.requestId(), request.routingKey());
        try {
            producer.send(new ProducerRecord<>(Topics.INFERENCE_REQUESTS, request.routingKey(), Json.bytes(command)),
                    (metadata, e) -> {
                        if (e != null) {
                            LOG.warn("could not cancel scoring request {}: {}", request.requestId(), e.toString());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.warn("could not cancel scoring request {}: {}", request.requestId(), e.toString());
        }
    }

    private void receive(ConsumerRecord<String, byte[]> record) {
        Pending pending = record.key() == null ? null : waiting.get(record.key());
        if (pending == null) {
            return;
        }
        CompletionChunk chunk;
        try {
            chunk = Json.LENIENT.readValue(record.value(), CompletionChunk.class);
        } catch (IOException | RuntimeException e) {
            LOG.warn("unreadable inference chunk for {}: {}", record.key(), e.toString());
            return;
        }
        synchronized (pending) {
            pending.touch();
            if (chunk.error() != null) {
                failed(pending, chunk.error());
                return;
            }
            if (chunk.index() != 0) {
                return;
            }
            pending.add(chunk);
            if (chunk.last()) {
                pending.future.complete(pending.whole());
            }
        }
    }

    private void failed(Pending pending, InferenceError error) {
        if (InferenceError.MODEL_LOADING.equals(error.code())) {
            long pause = error.retryAfterSeconds() == null ? 1 : Math.max(1, error.retryAfterSeconds());
            pending.reset();
            timer.schedule(() -> {
                if (!pending.future.isDone()) {
                    send(pending);
                }
            }, pause, TimeUnit.SECONDS);
            return;
        }
        pending.future.completeExceptionally(new ScoringException(pending.modelId, error.message(), error));
    }

    /** A request nothing was heard of for {@code timeout} fails; a model being loaded keeps it alive by answering. */
    private void expire() {
        long now = System.nanoTime();
        for (Pending pending : waiting.values()) {
            if (now - pending.lastHeard > timeout.toNanos()) {
                InferenceCommand request = pending.request;
                pending.future.completeExceptionally(new ScoringException(pending.modelId, "no inference replica "
                        + "answered scoring request " + request.requestId() + " for model '" + pending.modelId
                        + "' within " + timeout.toSeconds() + " s; check that inference-service is running", null));
            }
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        timer.shutdownNow();
        follower.close();
    }

    /**
     * The requests of one evaluation. When it ends (done, failed, stopped) {@link #close} cancels every request
     * not answered yet, here and at the replicas, so they stop generating for a job that is over; a request asked
     * after that fails at once.
     */
    public final class Session implements AutoCloseable {
        private final Set<CompletableFuture<Completion>> outstanding = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        private Session() {
        }

        /** {@link InferenceScorer#promptLogprobs}, cancelled with the session. */
        public CompletableFuture<double[]> promptLogprobs(String modelId, int[] prompt, long seed) {
            return track(() -> complete(promptRequest(modelId, prompt, seed)))
                    .thenApply(c -> c.promptLogprobs(1));
        }

        /** {@link InferenceScorer#generate}, cancelled with the session. */
        public CompletableFuture<Completion> generate(String modelId, String prompt, int maxTokens, List<String> stop,
                                                      long seed) {
            return track(() -> complete(generateRequest(modelId, prompt, maxTokens, stop, seed)));
        }

        /** {@link InferenceScorer#classify}, cancelled with the session. */
        public CompletableFuture<Completion> classify(String modelId, List<String> texts) {
            return track(() -> InferenceScorer.this.classify(modelId, texts));
        }

        private CompletableFuture<Completion> track(Supplier<CompletableFuture<Completion>> request) {
            if (closed) {
                return CompletableFuture.failedFuture(new CancellationException("the evaluation has ended"));
            }
            CompletableFuture<Completion> future = request.get();
            outstanding.add(future);
            future.whenComplete((c, e) -> outstanding.remove(future));
            if (closed) {
                future.cancel(false);
            }
            return future;
        }

        /** How many requests are still unanswered. */
        public int outstanding() {
            return outstanding.size();
        }

        @Override
        public void close() {
            closed = true;
            for (CompletableFuture<Completion> future : List.copyOf(outstanding)) {
                future.cancel(false);
            }
        }
    }

    /**
     * A request's first choice so far, by position: a replica that took it over repeats what came before. A
     * classification comes whole, in one chunk.
     */
    private static final class Pending {
        final InferenceCommand request;
        final String modelId;
        final CompletableFuture<Completion> future = new CompletableFuture<>();
        volatile long lastHeard = System.nanoTime();
        List<TokenInfo> echo;
        final List<TokenInfo> tokens = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        int textLength;
        String finishReason;
        List<Classification> classified;

        Pending(InferenceCommand request, String modelId) {
            this.request = request;
            this.modelId = modelId;
        }

        void touch() {
            lastHeard = System.nanoTime();
        }

        void reset() {
            echo = null;
            tokens.clear();
            text.setLength(0);
            textLength = 0;
            finishReason = null;
            classified = null;
        }

        void add(CompletionChunk chunk) {
            if (chunk.echo() != null && echo == null) {
                echo = List.copyOf(chunk.echo());
            }
            List<TokenInfo> more = chunk.tokens() == null ? List.of() : chunk.tokens();
            for (int i = Math.max(0, tokens.size() - chunk.offset()); i < more.size(); i++) {
                tokens.add(more.get(i));
            }
            String piece = chunk.text() == null ? "" : chunk.text();
            int pieceLength = piece.codePointCount(0, piece.length());
            int skip = Math.clamp((long) textLength - chunk.textOffset(), 0, pieceLength);
            if (skip < pieceLength) {
                text.append(piece, piece.offsetByCodePoints(0, skip), piece.length());
                textLength += pieceLength - skip;
            }
            if (chunk.finishReason() != null) {
                finishReason = chunk.finishReason();
            }
            if (chunk.classified() != null) {
                classified = chunk.classified();
            }
        }

        Completion whole() {
            return new Completion(echo == null ? List.of() : echo, List.copyOf(tokens), text.toString(),
                    finishReason, classified);
        }
    }
}
