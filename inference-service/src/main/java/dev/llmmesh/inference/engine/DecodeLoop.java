package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.StepEvent;
import dev.llmmesh.core.tokenizer.Tokenizer;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Drives one decoder step by step (continuous batching): between steps it takes what the inbox holds (requests join,
 * are cancelled or abandoned), drops what expired, steps, hands the tokens to their choices and flushes what is due.
 * Returns when the engine stops, or once a retiring engine has answered everything it took.
 */
final class DecodeLoop {
    private final String modelId;
    private final BlockingQueue<EngineCommand> inbox;
    private final EngineState state;
    private final RequestTable table;
    private final Intake intake;
    private final ChunkWriter writer;
    private final InferenceMetrics metrics;

    DecodeLoop(String modelId, BlockingQueue<EngineCommand> inbox, EngineState state, RequestTable table,
               Intake intake, ChunkWriter writer, InferenceMetrics metrics) {
        this.modelId = modelId;
        this.inbox = inbox;
        this.state = state;
        this.table = table;
        this.intake = intake;
        this.writer = writer;
        this.metrics = metrics;
    }

    void serve(BatchDecoder decoder, Tokenizer tokenizer) {
        long reusedReported = 0;
        long computedReported = 0;
        while (!state.stopping()) {
            EngineCommand command;
            try {
                // Idle: sleep until work comes. Busy: take what is there and step on; buffered tokens wait at most
                // one interval, and a step is never longer than a forward.
                command = decoder.idle() ? inbox.poll(1, TimeUnit.SECONDS) : inbox.poll();
            } catch (InterruptedException e) {
                break;
            }
            while (command != null && !state.stopping()) {
                handle(command, decoder, tokenizer);
                command = inbox.poll();
            }
            if (state.stopping()) {
                break;
            }
            if (state.retiring() && table.isEmpty() && decoder.idle()) {
                break;
            }
            table.expire(decoder);
            if (!decoder.idle()) {
                long now = System.nanoTime();
                List<StepEvent> events = decoder.step();
                metrics.tokens(modelId, (int) events.stream().filter(e -> e.token() != StepEvent.NO_TOKEN).count());
                metrics.promptTokens(modelId, decoder.promptTokensReused() - reusedReported,
                        decoder.promptTokensComputed() - computedReported);
                reusedReported = decoder.promptTokensReused();
                computedReported = decoder.promptTokensComputed();
                table.deliver(events, now);
            }
            writer.flush(table, System.nanoTime());
            state.activeRequests(table.size());
        }
        if (!state.stopping()) {
            // Retired: whatever reached the inbox after the last look goes back as unavailable, not silently lost.
            for (EngineCommand left; (left = inbox.poll()) != null; ) {
                var error = CompletionErrors.modelUnavailable(modelId,
                        "it was replaced or withdrawn; send the request again");
                if (left instanceof EngineCommand.Submit submit) {
                    intake.refuse(submit, error);
                } else if (left instanceof EngineCommand.Classify classify) {
                    intake.refuse(classify, error);
                }
            }
        }
    }

    private void handle(EngineCommand command, BatchDecoder decoder, Tokenizer tokenizer) {
        switch (command) {
            case EngineCommand.Submit submit -> intake.admit(submit, decoder, tokenizer, state.capacity());
            // The consumer routes classify requests only to classifiers; should one get here, it is refused.
            case EngineCommand.Classify classify -> intake.refuse(classify, CompletionErrors.invalid("model",
                    "The model '" + modelId + "' has no classification head; /v1/classify needs a classifier"));
            case EngineCommand.Cancel cancel -> table.cancel(cancel.requestId(), decoder);
            case EngineCommand.Abandon abandon -> table.abandon(abandon.partitions(), decoder);
            case EngineCommand.Wake wake -> {
            }
        }
    }
}
