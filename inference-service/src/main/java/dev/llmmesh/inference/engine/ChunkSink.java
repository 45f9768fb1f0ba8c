package dev.llmmesh.inference.engine;

import dev.llmmesh.mesh.inference.CompletionChunk;

import java.util.concurrent.CompletableFuture;

/** Where chunks go ({@code llm.inference.events}); the future completes when the broker has the chunk. */
@FunctionalInterface
public interface ChunkSink {
    CompletableFuture<Void> send(CompletionChunk chunk);
}
