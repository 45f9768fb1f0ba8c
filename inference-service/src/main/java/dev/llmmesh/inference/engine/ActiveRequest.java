package dev.llmmesh.inference.engine;

import dev.llmmesh.mesh.inference.CompletionChunk.Usage;
import dev.llmmesh.mesh.inference.CompletionRequest;
import io.opentelemetry.context.Context;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A request being decoded: its choices (one decoder sequence each) and whom to tell when it is answered. */
final class ActiveRequest {
    private final CompletionRequest request;
    private final int promptTokens;
    private final long[] sequences;
    private final List<ChoiceStream> choices;
    /** Usually one; more when the same request arrived again while it was still being answered. */
    private final List<Ticket> tickets = new ArrayList<>();
    private final Context trace;
    private final long arrivedNanos;
    private boolean firstChunkSent;

    ActiveRequest(CompletionRequest request, int promptTokens, long[] sequences, List<ChoiceStream> choices,
                  Ticket ticket, Context trace, long arrivedNanos) {
        this.trace = trace;
        this.arrivedNanos = arrivedNanos;
        this.request = request;
        this.promptTokens = promptTokens;
        this.sequences = sequences.clone();
        this.choices = List.copyOf(choices);
        tickets.add(ticket);
    }

    CompletionRequest request() {
        return request;
    }

    long[] sequences() {
        return sequences.clone();
    }

    List<ChoiceStream> choices() {
        return choices;
    }

    /** The span the request arrived in; its chunks are sent as its children. */
    Context trace() {
        return trace;
    }

    List<Ticket> tickets() {
        return tickets;
    }

    /** True once: for the first chunk of the request, whichever choice it is from. */
    boolean firstChunkOut() {
        boolean first = !firstChunkSent;
        firstChunkSent = true;
        return first;
    }

    Duration sinceArrival(long nowNanos) {
        return Duration.ofNanos(nowNanos - arrivedNanos);
    }

    boolean cancelled() {
        return choices.stream().anyMatch(ChoiceStream::cancelled);
    }

    boolean allFinished() {
        return choices.stream().allMatch(ChoiceStream::finished);
    }

    /** OpenAI counts the tokens of all n choices; the prompt, and what of it came from the cache, once. */
    Usage usage() {
        return new Usage(promptTokens, choices.stream().mapToInt(ChoiceStream::generated).sum(),
                choices.stream().mapToInt(ChoiceStream::cachedPromptTokens).max().orElse(0));
    }
}
