package dev.llmmesh.inference.engine;

import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionRequest;
import io.opentelemetry.context.Context;

import java.util.Set;

/** What other threads ask of an engine; only its own thread acts on them, so the decoder needs no locks. */
sealed interface EngineCommand {
    /** @param trace the span the request was received in: its chunks are sent inside it */
    record Submit(CompletionRequest request, Ticket ticket, Context trace, long arrivedNanos)
            implements EngineCommand {
    }

    /** @param trace the span the request was received in: its answer is sent inside it */
    record Classify(ClassifyRequest request, Ticket ticket, Context trace, long arrivedNanos)
            implements EngineCommand {
    }

    record Cancel(String requestId) implements EngineCommand {
    }

    /** The partitions this replica no longer owns: their requests are left to the next owner. */
    record Abandon(Set<Integer> partitions) implements EngineCommand {
    }

    /** Nothing to do but look at the engine's flags again (it was told to retire). */
    record Wake() implements EngineCommand {
    }
}
