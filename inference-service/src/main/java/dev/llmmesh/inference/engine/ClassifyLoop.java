package dev.llmmesh.inference.engine;

import dev.llmmesh.core.finetune.Classified;
import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.InferenceCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Serves a classifier: the classify requests that wait in the inbox together are labeled in one batched forward (up
 * to {@link ClassifyRequest#MAX_INPUTS} texts, always at least one whole request), and each request is answered
 * with one chunk holding its items. Texts are encoded as training encoded them (ordinary text, no special tokens)
 * and cut to the classifier's maximum length there ({@link ClassifierModel#classify}). A completion is refused.
 */
final class ClassifyLoop {
    private static final Logger LOG = LoggerFactory.getLogger(ClassifyLoop.class);

    private record Encoded(EngineCommand.Classify command, List<int[]> ids) {
    }

    private final String modelId;
    private final String replica;
    private final BlockingQueue<EngineCommand> inbox;
    private final EngineState state;
    private final Outbox outbox;
    private final InferenceMetrics metrics;
    private final Deadlines deadlines;
    private final List<EngineCommand.Classify> pending = new ArrayList<>();

    ClassifyLoop(String modelId, String replica, BlockingQueue<EngineCommand> inbox, EngineState state,
                 Outbox outbox, InferenceMetrics metrics, Deadlines deadlines) {
        this.modelId = modelId;
        this.replica = replica;
        this.inbox = inbox;
        this.state = state;
        this.outbox = outbox;
        this.metrics = metrics;
        this.deadlines = deadlines;
    }

    /** Returns when the engine stops, or once a retiring engine has answered everything it took. */
    void serve(ClassifierModel classifier, Tokenizer tokenizer) {
        while (!state.stopping()) {
            EngineCommand command;
            try {
                command = pending.isEmpty() ? inbox.poll(1, TimeUnit.SECONDS) : inbox.poll();
            } catch (InterruptedException e) {
                break;
            }
            while (command != null && !state.stopping()) {
                handle(command);
                command = inbox.poll();
            }
            if (state.stopping()) {
                break;
            }
            if (pending.isEmpty()) {
                if (state.retiring()) {
                    break;
                }
                continue;
            }
            forward(next(), classifier, tokenizer);
            state.activeRequests(pending.size());
        }
        if (!state.stopping()) {
            for (EngineCommand left; (left = inbox.poll()) != null; ) {
                refuseLeft(left, CompletionErrors.modelUnavailable(modelId,
                        "it was replaced or withdrawn; send the request again"));
            }
        }
    }

    private void handle(EngineCommand command) {
        switch (command) {
            case EngineCommand.Classify classify -> {
                if (deadlines.passed(classify.request())) {
                    metrics.finished(modelId, "expired");
                    classify.ticket().answered();
                } else {
                    pending.add(classify);
                }
            }
            case EngineCommand.Submit submit -> {
                metrics.finished(modelId, "refused");
                outbox.error(submit.trace(), submit.request().requestId(),
                        CompletionErrors.classifierCannotComplete(modelId), List.of(submit.ticket()));
            }
            // Nobody waits any more: answered without a chunk, so its offset may be committed.
            case EngineCommand.Cancel cancel -> pending.removeIf(c -> {
                boolean cancelled = c.request().requestId().equals(cancel.requestId());
                if (cancelled) {
                    metrics.finished(modelId, "cancelled");
                    c.ticket().answered();
                }
                return cancelled;
            });
            // Left unanswered (and uncommitted) for the partition's next owner.
            case EngineCommand.Abandon abandon -> pending.removeIf(c -> {
                boolean gone = abandon.partitions().contains(c.ticket().partition());
                if (gone) {
                    metrics.finished(modelId, "abandoned");
                }
                return gone;
            });
            case EngineCommand.Wake wake -> {
            }
        }
    }

    /** The requests of the next forward, oldest first: as many whole ones as fit {@link ClassifyRequest#MAX_INPUTS}. */
    private List<EngineCommand.Classify> next() {
        List<EngineCommand.Classify> batch = new ArrayList<>();
        int inputs = 0;
        while (!pending.isEmpty()) {
            int size = pending.getFirst().request().inputs() == null ? 0 : pending.getFirst().request().inputs().size();
            if (!batch.isEmpty() && inputs + size > ClassifyRequest.MAX_INPUTS) {
                break;
            }
            batch.add(pending.removeFirst());
            inputs += size;
        }
        return batch;
    }

    private void forward(List<EngineCommand.Classify> batch, ClassifierModel classifier, Tokenizer tokenizer) {
        List<Encoded> admitted = new ArrayList<>();
        List<int[]> all = new ArrayList<>();
        for (EngineCommand.Classify command : batch) {
            Encoded encoded = encode(command, tokenizer);
            if (encoded != null) {
                admitted.add(encoded);
                all.addAll(encoded.ids());
            }
        }
        if (all.isEmpty()) {
            return;
        }
        List<Classified> results;
        long t0 = System.nanoTime();
        try {
            results = classifier.classify(all);
        } catch (RuntimeException e) {
            LOG.error("classifying {} input(s) of {} request(s) with model {} failed", all.size(), admitted.size(),
                    modelId, e);
            for (Encoded encoded : admitted) {
                refuse(encoded.command(), CompletionErrors.internal("the classifier's forward failed (" + e
                        + "); report it with the request id " + encoded.command().request().requestId()));
            }
            return;
        }
        long tokens = results.stream().mapToLong(Classified::tokens).sum();
        metrics.classifyForward(modelId, all.size(), tokens, Duration.ofNanos(System.nanoTime() - t0));
        int at = 0;
        for (Encoded encoded : admitted) {
            int n = encoded.ids().size();
            answer(encoded.command(), results.subList(at, at + n), classifier.labels());
            at += n;
        }
    }

    /** The request's texts as token ids; null when it was refused instead. */
    private Encoded encode(EngineCommand.Classify command, Tokenizer tokenizer) {
        List<String> inputs = command.request().inputs();
        if (inputs == null || inputs.isEmpty() || inputs.size() > ClassifyRequest.MAX_INPUTS) {
            refuse(command, CompletionErrors.invalid("input", "inputs must hold 1 to " + ClassifyRequest.MAX_INPUTS
                    + " texts, got " + (inputs == null ? 0 : inputs.size())));
            return null;
        }
        List<int[]> ids = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            int[] encoded;
            try {
                encoded = tokenizer.encodeOrdinary(inputs.get(i) == null ? "" : inputs.get(i));
            } catch (RuntimeException e) {
                LOG.error("input {} of classify request {} could not be encoded", i, command.request().requestId(), e);
                refuse(command, CompletionErrors.internal("input " + i + " could not be encoded (" + e + ")"));
                return null;
            }
            if (encoded.length == 0) {
                refuse(command, CompletionErrors.invalid("input", "input " + i + " has no tokens; a classifier"
                        + " reads the state at a text's last token"));
                return null;
            }
            ids.add(encoded);
        }
        return new Encoded(command, ids);
    }

    private void answer(EngineCommand.Classify command, List<Classified> results, List<String> labels) {
        List<Classification> items = new ArrayList<>(results.size());
        int tokens = 0;
        for (int i = 0; i < results.size(); i++) {
            Classified result = results.get(i);
            Map<String, Float> probabilities = new LinkedHashMap<>();
            for (int k = 0; k < labels.size(); k++) {
                probabilities.put(labels.get(k), result.probabilities()[k]);
            }
            items.add(new Classification(i, labels.get(result.label()), probabilities, result.tokens(),
                    result.truncated()));
            tokens += result.tokens();
        }
        metrics.finished(modelId, "completed");
        outbox.sendLast(command.trace(), new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION,
                command.request().requestId(), 0, 0, 0, 0, replica, null, null, null, null,
                new CompletionChunk.Usage(tokens, 0), null, items), List.of(command.ticket()));
    }

    private void refuse(EngineCommand.Classify command, CompletionChunk.InferenceError error) {
        metrics.finished(modelId, "refused");
        outbox.error(command.trace(), command.request().requestId(), error, List.of(command.ticket()));
    }

    private void refuseLeft(EngineCommand command, CompletionChunk.InferenceError error) {
        switch (command) {
            case EngineCommand.Classify classify -> refuse(classify, error);
            case EngineCommand.Submit submit -> outbox.error(submit.trace(), submit.request().requestId(), error,
                    List.of(submit.ticket()));
            default -> {
            }
        }
    }
}
