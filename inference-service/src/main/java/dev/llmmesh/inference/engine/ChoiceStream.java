package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.FinishReason;
import dev.llmmesh.core.generate.StepEvent;
import dev.llmmesh.core.generate.TokenLogprob;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.Alternative;
import dev.llmmesh.mesh.inference.CompletionChunk.TokenInfo;
import dev.llmmesh.mesh.inference.CompletionChunk.Usage;
import dev.llmmesh.mesh.inference.InferenceCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One choice of a request on its way out: the tokens decoded since its last chunk, waiting to go out together
 * (one record per few tokens rather than per token), and its chunk numbering.
 */
final class ChoiceStream {
    private final String requestId;
    private final int index;
    private final String replica;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final boolean wantLogprobs;
    /**
     * With echo and logprobs the prompt's log probabilities are known only when the sequence ends (the decoder hands
     * them over with its output), and they belong in the first chunk: such a choice goes out in one piece. So does
     * every choice of a request nobody streams: each chunk would cost decode time and nobody reads it early.
     */
    private final boolean holdUntilEnd;
    private final int[] echoPrompt;
    /** The prompt is echoed with its logprobs. */
    private final boolean scoring;
    private final List<TokenInfo> tokens = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private List<TokenInfo> echo;
    private long oldestNanos = -1;
    private long seq;
    /** Tokens and text (code points) of the choice already in chunks: where the next chunk starts. */
    private int tokensOut;
    private int textOut;
    private int generated;
    private String finish;
    private int cachedPromptTokens;
    private boolean finalSent;

    ChoiceStream(String requestId, int index, String replica, Tokenizer tokenizer, Set<Integer> stopTokens,
                 boolean wantLogprobs, int[] echoPrompt, boolean wholeAtEnd) {
        this.requestId = requestId;
        this.index = index;
        this.replica = replica;
        this.tokenizer = tokenizer;
        this.stopTokens = stopTokens;
        this.wantLogprobs = wantLogprobs;
        this.echoPrompt = echoPrompt;
        this.scoring = echoPrompt != null && wantLogprobs;
        this.holdUntilEnd = wholeAtEnd || scoring;
        if (echoPrompt != null && !holdUntilEnd) {
            echo = promptInfo(null);
        }
    }

    void add(StepEvent event, long nowNanos) {
        if (event.token() != StepEvent.NO_TOKEN) {
            generated++;
            // A stop token ends the text without being part of it; it still counts as generated. A scored prompt
            // (echo with logprobs) lists it all the same: scorers such as lm-eval-harness take the prompt's
            // positions as all the listed tokens but the generated last one, so a missing end-of-text would cut
            // the prompt's last token off their sum.
            if (!stopTokens.contains(event.token()) || scoring) {
                tokens.add(info(event.token(), event.logprob()));
            }
        }
        text.append(event.text());
        if (oldestNanos < 0) {
            oldestNanos = nowNanos;
        }
        if (event.finished()) {
            finish = event.finish().wireName();
            cachedPromptTokens = event.output().cachedPromptTokens();
            if (holdUntilEnd && echoPrompt != null) {
                echo = promptInfo(event.output().promptLogprobs());
            }
        }
    }

    /** Ends a choice that will get no more events (its request was cancelled). */
    void cancel(String reason) {
        if (finish == null) {
            finish = reason;
        }
    }

    boolean finished() {
        return finish != null;
    }

    /** Prompt tokens this choice's prefill took from the shared prefix cache. */
    int cachedPromptTokens() {
        return cachedPromptTokens;
    }

    boolean cancelled() {
        return FinishReason.CANCELLED.wireName().equals(finish);
    }

    /** Finished, and its last chunk is out (or about to be, by the caller holding it). */
    boolean done() {
        return finalSent;
    }

    int generated() {
        return generated;
    }

    /** Whether a chunk should go out now: a full one, one that waited long enough, or the choice's last. */
    boolean due(long nowNanos, int chunkTokens, long intervalNanos) {
        if (finalSent) {
            return false;
        }
        if (finish != null) {
            return true;
        }
        if (holdUntilEnd || oldestNanos < 0) {
            return false;
        }
        return tokens.size() >= chunkTokens || nowNanos - oldestNanos >= intervalNanos;
    }

    /** The buffered tokens as the next chunk; {@code usage} only on the request's very last chunk. */
    CompletionChunk take(Usage usage) {
        String chunkText = text.toString();
        var chunk = new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, requestId, index,
                seq++, tokensOut, textOut, replica, echo, List.copyOf(tokens), chunkText, finish, usage, null);
        tokensOut += tokens.size();
        textOut += chunkText.codePointCount(0, chunkText.length());
        echo = null;
        tokens.clear();
        text.setLength(0);
        oldestNanos = -1;
        finalSent = finish != null;
        return chunk;
    }

    private List<TokenInfo> promptInfo(List<TokenLogprob> logprobs) {
        List<TokenInfo> infos = new ArrayList<>(echoPrompt.length);
        for (int i = 0; i < echoPrompt.length; i++) {
            infos.add(info(echoPrompt[i], logprobs == null ? null : logprobs.get(i)));
        }
        return infos;
    }

    private TokenInfo info(int token, TokenLogprob logprob) {
        if (!wantLogprobs || logprob == null) {
            return new TokenInfo(token, text(token), null, null);
        }
        List<Alternative> top = logprob.top().stream()
                .map(a -> new Alternative(a.token(), text(a.token()), a.logprob())).toList();
        return new TokenInfo(token, text(token), logprob.logprob(), top);
    }

    private String text(int token) {
        return tokenizer.decode(new int[] {token});
    }
}
