package dev.llmmesh.gateway.openai;

import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.TokenInfo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How much of each choice of one request the client has had, so that a chunk is relayed only for what it adds.
 *
 * <p>By position, not by chunk number: a replica that takes a request over regenerates the same tokens and text
 * from the start (the request is seeded) but cuts them into chunks of its own (by count or by time), so its
 * chunk 3 may begin in the middle of what the client got as chunk 2. Each chunk says where its tokens and its text
 * start in the choice ({@code offset}, {@code textOffset}); what lies before the positions already relayed is cut
 * off, the rest goes on. This is exact for the text too, byte for byte: the text a choice has released after its
 * first k tokens depends on those k tokens alone (bytes of a character split across tokens, or a possible start
 * of a stop sequence, are held back until the same later token on every replica), so both replicas' chunk
 * boundaries are points of one and the same text, and cutting at a code point count never splits a character.
 *
 * <p>The chunks handed on are numbered afresh: {@code seq} counts the chunks of the choice the client got (0 is
 * its first, where chat puts the role), whichever replica wrote them. Not thread-safe: the caller serializes.
 */
final class RelayedChoices {
    private static final class Relayed {
        int tokens;
        int text;
        boolean echo;
        boolean finished;
        long chunks;
    }

    private final Map<Integer, Relayed> choices = new HashMap<>();

    /** What of {@code chunk} the client has not had yet; null when it adds nothing. Errors pass as they are. */
    CompletionChunk fresh(CompletionChunk chunk) {
        if (chunk.error() != null) {
            return chunk;
        }
        Relayed relayed = choices.computeIfAbsent(chunk.index(), i -> new Relayed());
        List<TokenInfo> tokens = chunk.tokens() == null ? List.of() : chunk.tokens();
        String text = chunk.text() == null ? "" : chunk.text();
        int textLength = text.codePointCount(0, text.length());
        int skipTokens = Math.clamp((long) relayed.tokens - chunk.offset(), 0, tokens.size());
        int skipText = Math.clamp((long) relayed.text - chunk.textOffset(), 0, textLength);
        List<TokenInfo> newTokens = List.copyOf(tokens.subList(skipTokens, tokens.size()));
        String newText = text.substring(text.offsetByCodePoints(0, skipText));
        List<TokenInfo> echo = relayed.echo ? null : chunk.echo();
        String finish = relayed.finished ? null : chunk.finishReason();
        if (newTokens.isEmpty() && newText.isEmpty() && echo == null && finish == null && !chunk.last()) {
            return null;
        }
        relayed.tokens = Math.max(relayed.tokens, chunk.offset() + tokens.size());
        relayed.text = Math.max(relayed.text, chunk.textOffset() + textLength);
        relayed.echo |= echo != null;
        relayed.finished |= finish != null;
        return new CompletionChunk(chunk.type(), chunk.schemaVersion(), chunk.requestId(), chunk.index(),
                relayed.chunks++, chunk.offset() + skipTokens, chunk.textOffset() + skipText, chunk.replica(), echo,
                chunk.tokens() == null ? null : newTokens, chunk.text() == null ? null : newText, finish,
                chunk.usage(), null);
    }
}
