package dev.llmmesh.gateway.openai;

import dev.llmmesh.mesh.inference.CompletionChunk;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.List;

/** A whole (non-streamed) answer: each choice's chunks folded together, and the usage from the last chunk. */
final class Choices {
    record Choice(String text, List<CompletionChunk.TokenInfo> echo, List<CompletionChunk.TokenInfo> tokens,
                  String finishReason) {
    }

    private final List<StringBuilder> texts = new ArrayList<>();
    private final List<List<CompletionChunk.TokenInfo>> echoes = new ArrayList<>();
    private final List<List<CompletionChunk.TokenInfo>> tokens = new ArrayList<>();
    private final List<String> finishReasons = new ArrayList<>();
    private OpenAiShapes.Usage usage;

    private Choices(int n) {
        for (int i = 0; i < n; i++) {
            texts.add(new StringBuilder());
            echoes.add(new ArrayList<>());
            tokens.add(new ArrayList<>());
            finishReasons.add(null);
        }
    }

    /**
     * The choices once the request's last chunk is in; an error chunk or a timeout ends it with
     * {@link OpenAiException}. Folded on the thread that relays the chunks, so no thread waits for the answer and
     * none has to be woken for it.
     */
    static Mono<Choices> collect(Flux<CompletionChunk> chunks, int n) {
        return chunks.collect(() -> new Choices(n), Choices::add);
    }

    private void add(CompletionChunk chunk) {
        int i = chunk.index();
        if (i < 0 || i >= texts.size()) {
            throw new IllegalStateException("chunk for choice " + i + " of a request with " + texts.size());
        }
        if (chunk.text() != null) {
            texts.get(i).append(chunk.text());
        }
        if (chunk.echo() != null) {
            echoes.get(i).addAll(chunk.echo());
        }
        if (chunk.tokens() != null) {
            tokens.get(i).addAll(chunk.tokens());
        }
        if (chunk.finishReason() != null) {
            finishReasons.set(i, chunk.finishReason());
        }
        if (chunk.usage() != null) {
            usage = OpenAiShapes.Usage.of(chunk.usage());
        }
    }

    Choice choice(int i) {
        return new Choice(texts.get(i).toString(), echoes.get(i), tokens.get(i), finishReasons.get(i));
    }

    OpenAiShapes.Usage usage() {
        return usage;
    }
}
