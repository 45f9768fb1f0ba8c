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
 * Serves a classifier: the classify requests that wait in the inbox together form a round (up to
 * {@link ClassifyRequest#MAX_INPUTS} texts, always at least one whole request) whose texts are sorted by length and
 * labeled in micro-batches that fit a {@link ClassifyBudget}; each request is answered with one chunk holding its
 * items as soon as its texts are done. Texts are encoded as training encoded them (ordinary text, no special tokens)
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
    private final ClassifyBudget budget;
    private final List<EngineCommand.Classify> pending = new ArrayList<>();

    ClassifyLoop(String modelId, String replica, BlockingQueue<EngineCommand> inbox, EngineState state,
                 Outbox outbox, InferenceMetrics metrics, Deadlines deadlines) {
        this(modelId, replica, inbox, state, outbox, metrics, deadlines, ClassifyBudget.STANDARD);
    }

    ClassifyLoop(String modelId, String replica, BlockingQueue<EngineCommand> inbox, EngineState state,
                 Outbox outbox, InferenceMetrics metrics, Deadlines deadlines, ClassifyBudget budget) {
        this.modelId = modelId;
        this.replica = replica;
        this.inbox = inbox;
        this.state = state;
        this.outbox = outbox;
        this.metrics = metrics;
        this.deadlines = deadlines;
        this.budget = budget;
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

    /** The requests of the next round, oldest first: as many whole ones as fit {@link ClassifyRequest#MAX_INPUTS}. */
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

    /**
     * Labels a round's texts in micro-batches cut by the {@link ClassifyBudget}, and answers each request as soon as
     * its last text is labeled. A failed forward refuses the requests with a text in it; the others go on.
     */
    private void forward(List<EngineCommand.Classify> batch, ClassifierModel classifier, Tokenizer tokenizer) {
        List<Encoded> admitted = new ArrayList<>();
        for (EngineCommand.Classify command : batch) {
            Encoded encoded = encode(command, tokenizer);
            if (encoded != null) {
                admitted.add(encoded);
            }
        }
        // flat view of the round: text i belongs to request owner[i], where it is item item[i]
        int total = admitted.stream().mapToInt(e -> e.ids().size()).sum();
        int[] owner = new int[total];
        int[] item = new int[total];
        int[] lengths = new int[total];
        List<int[]> all = new ArrayList<>(total);
        Classified[][] results = new Classified[admitted.size()][];
        int[] left = new int[admitted.size()];
        for (int r = 0, i = 0; r < admitted.size(); r++) {
            List<int[]> ids = admitted.get(r).ids();
            results[r] = new Classified[ids.size()];
            left[r] = ids.size();
            for (int k = 0; k < ids.size(); k++, i++) {
                owner[i] = r;
                item[i] = k;
                lengths[i] = Math.min(ids.get(k).length, classifier.maxLength());
                all.add(ids.get(k));
            }
        }
        boolean[] refused = new boolean[admitted.size()];
        for (int[] micro : budget.cut(lengths, classifier.config())) {
            List<int[]> ids = new ArrayList<>(micro.length);
            List<Integer> taken = new ArrayList<>(micro.length);
            for (int i : micro) {
                if (!refused[owner[i]]) {
                    ids.add(all.get(i));
                    taken.add(i);
                }
            }
            if (ids.isEmpty()) {
                continue;
            }
            List<Classified> labeled;
            long t0 = System.nanoTime();
            try {
                labeled = classifier.classify(ids);
            } catch (RuntimeException e) {
                LOG.error("classifying {} input(s) with model {} failed", ids.size(), modelId, e);
                for (int i : taken) {
                    if (!refused[owner[i]]) {
                        refused[owner[i]] = true;
                        Encoded encoded = admitted.get(owner[i]);
                        refuse(encoded.command(), CompletionErrors.internal("the classifier's forward failed (" + e
                                + "); report it with the request id " + encoded.command().request().requestId()));
                    }
                }
                continue;
            }
            long tokens = labeled.stream().mapToLong(Classified::tokens).sum();
            metrics.classifyForward(modelId, ids.size(), tokens, Duration.ofNanos(System.nanoTime() - t0));
            for (int j = 0; j < taken.size(); j++) {
                int i = taken.get(j);
                results[owner[i]][item[i]] = labeled.get(j);
                if (--left[owner[i]] == 0) {
                    answer(admitted.get(owner[i]).command(), List.of(results[owner[i]]), classifier.labels());
                }
            }
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
                        + " reads the states of a text's tokens"));
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
