package dev.llmmesh.core.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One sequence being generated: its sampler (with its own seeded generator), what it has seen, its text so far and
 * whether it is done. Knows nothing of batches or caches: it is handed each position's raw logits.
 */
final class Sequence {
    private final long id;
    private final int[] prompt;
    private final SamplingParams params;
    private final SamplerChain sampler;
    private final TokenHistory history;
    private final Set<Integer> stopTokens;
    private final TokenText tokenText;
    private final Utf8Stream utf8 = new Utf8Stream();
    private final StopText stopText;
    private final StringBuilder text = new StringBuilder();
    private int[] tokens = new int[16];
    private int count;
    private final List<TokenLogprob> logprobs;
    private List<TokenLogprob> promptLogprobs;
    private FinishReason finish;
    private int cachedPromptTokens;

    Sequence(long id, int[] prompt, SamplingParams params, long seed, TokenText tokenText) {
        this.id = id;
        this.prompt = prompt.clone();
        this.params = params;
        this.sampler = SamplerChain.of(params, new SplittableRandom(seed));
        this.history = new TokenHistory(prompt);
        this.stopTokens = new HashSet<>(params.stopTokenIds());
        this.tokenText = tokenText;
        this.stopText = new StopText(params.stop());
        this.logprobs = params.logprobs() == null ? null : new ArrayList<>();
    }

    long id() {
        return id;
    }

    int[] prompt() {
        return prompt;
    }

    SamplingParams params() {
        return params;
    }

    int lastToken() {
        return tokens[count - 1];
    }

    boolean finished() {
        return finish != null;
    }

    int alternatives() {
        return params.logprobs() == null ? 0 : params.logprobs();
    }

    /** With echo: the prompt's log probabilities, from its prefill ({@link PromptScores}). */
    void promptLogprobs(List<TokenLogprob> scored) {
        if (scored.size() != prompt.length) {
            throw new IllegalArgumentException(scored.size() + " prompt scores for a " + prompt.length
                    + "-token prompt");
        }
        promptLogprobs = scored;
    }

    /** Ends the sequence without a new token (max_tokens 0, or cancelled). */
    StepEvent end(FinishReason reason) {
        finish = reason;
        String rest = reason == FinishReason.CANCELLED ? "" : drain();
        text.append(rest);
        return new StepEvent(id, StepEvent.NO_TOKEN, rest, null, finish, output());
    }

    /**
     * Samples the next token from the raw logits of the position after the last one fed.
     *
     * @param room whether the cache has a position left to feed the new token at
     */
    StepEvent accept(float[] rawLogits, boolean room) {
        int token = sampler.next(rawLogits, history);
        history.addGenerated(token);
        if (count == tokens.length) {
            tokens = Arrays.copyOf(tokens, count * 2);
        }
        tokens[count++] = token;
        TokenLogprob logprob = logprobs == null ? null : Logprobs.of(rawLogits, token, alternatives());
        if (logprob != null) {
            logprobs.add(logprob);
        }
        String delta = "";
        if (stopTokens.contains(token)) {
            finish = FinishReason.STOP;
        } else if (tokenText != null) {
            delta = stopText.push(utf8.push(tokenText.bytes(token)));
            if (stopText.stopped()) {
                finish = FinishReason.STOP;
            }
        }
        if (finish == null && (count >= params.maxTokens() || !room)) {
            finish = FinishReason.LENGTH;
            delta += drain();
        }
        text.append(delta);
        return new StepEvent(id, token, delta, logprob, finish, finish == null ? null : output());
    }

    /** At the end without a stop: whatever text is still held back (a partial character, a stop's possible start). */
    private String drain() {
        if (tokenText == null) {
            return "";
        }
        String rest = stopText.push(utf8.flush());
        if (stopText.stopped()) {
            finish = FinishReason.STOP;
            return rest;
        }
        return rest + stopText.flush();
    }

    void cachedPromptTokens(int tokens) {
        cachedPromptTokens = tokens;
    }

    SequenceOutput output() {
        return new SequenceOutput(id, prompt.clone(), Arrays.copyOf(tokens, count), text.toString(),
                logprobs == null ? null : Collections.unmodifiableList(new ArrayList<>(logprobs)), promptLogprobs,
                finish, cachedPromptTokens);
    }
}
