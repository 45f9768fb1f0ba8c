package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.Generator;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.CompletionRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Takes a submitted request into the decoder, one sequence per choice, or answers it with why not. A request that
 * breaks on the way in (a bug its input found) fails alone: its sequences leave, it gets its error and is committed,
 * rather than failing the batch and coming back at every replica start.
 */
final class Intake {
    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);

    private final String modelId;
    private final String replica;
    private final RequestTable table;
    private final Outbox outbox;
    private final InferenceMetrics metrics;
    private final Deadlines deadlines;

    Intake(String modelId, String replica, RequestTable table, Outbox outbox, InferenceMetrics metrics,
           Deadlines deadlines) {
        this.modelId = modelId;
        this.replica = replica;
        this.table = table;
        this.outbox = outbox;
        this.metrics = metrics;
        this.deadlines = deadlines;
    }

    /** @param capacity positions a sequence may take in {@code decoder} */
    void admit(EngineCommand.Submit submit, BatchDecoder decoder, Tokenizer tokenizer, int capacity) {
        CompletionRequest request = submit.request();
        if (deadlines.passed(request)) {
            submit.ticket().answered();
            return;
        }
        ActiveRequest running = table.get(request.requestId());
        if (running != null) {
            // The same request again (re-sent, or re-read after a rebalance): one answer serves both.
            running.tickets().add(submit.ticket());
            return;
        }
        List<Long> submitted = new ArrayList<>();
        try {
            start(submit, decoder, tokenizer, capacity, submitted);
        } catch (RuntimeException e) {
            LOG.error("request {} could not be admitted; answered with an error", request.requestId(), e);
            table.withdraw(request.requestId(), submitted, decoder);
            refuse(submit, CompletionErrors.internal("the replica could not take the request (" + e
                    + "); this is a bug: report it with the request id " + request.requestId()));
        }
    }

    /** Answers a request that will not be decoded here. */
    void refuse(EngineCommand.Submit submit, InferenceError error) {
        metrics.finished(modelId, "refused");
        outbox.error(submit.trace(), submit.request().requestId(), error, List.of(submit.ticket()));
    }

    /** Answers a classify request sent to a model with no classification head. */
    void refuse(EngineCommand.Classify classify, InferenceError error) {
        metrics.finished(modelId, "refused");
        outbox.error(classify.trace(), classify.request().requestId(), error, List.of(classify.ticket()));
    }

    /** {@code submitted} collects the request's sequences as they go in, for {@link #admit} to undo. */
    private void start(EngineCommand.Submit submit, BatchDecoder decoder, Tokenizer tokenizer, int capacity,
                       List<Long> submitted) {
        CompletionRequest request = submit.request();
        switch (Admission.admit(request, tokenizer, capacity)) {
            case Admission.Refused refused -> refuse(submit, refused.error());
            case Admission.Admitted admitted -> {
                var params = admitted.params();
                long[] seeds = Generator.sampleSeeds(params.seed(), params.n());
                long[] sequences = new long[params.n()];
                Set<Integer> stopTokens = Set.copyOf(params.stopTokenIds());
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
                    choices.add(new ChoiceStream(request.requestId(), i, replica, tokenizer, stopTokens,
                            params.logprobs() != null, params.echo() ? admitted.prompt() : null,
                            Boolean.FALSE.equals(request.stream())));
                }
                table.add(new ActiveRequest(request, admitted.prompt().length, sequences, choices,
                        submit.ticket(), submit.trace(), submit.arrivedNanos()));
            }
        }
    }
}
