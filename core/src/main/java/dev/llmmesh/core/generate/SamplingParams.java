package dev.llmmesh.core.generate;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.List;

/**
 * What a completion request asks of the sampler, with OpenAI's names and defaults. Checked when built: a bad value
 * fails here, with the message naming the field as the API spells it, not in the middle of decoding. Travels whole
 * in an inference request (JSON with these component names), so a replica reads it back through the same check.
 *
 * @param maxTokens         tokens to generate at most; 0 generates none (with {@code echo}: score the prompt only)
 * @param temperature       0 picks the most likely token (greedy); otherwise logits are divided by it
 * @param topK              keep the k most likely tokens; 0 keeps all
 * @param topP              nucleus: keep the most likely tokens until their probability adds up to top_p
 * @param minP              keep tokens at least min_p times as likely as the most likely one; 0 keeps all
 * @param repetitionPenalty HF / CTRL: every token seen in the prompt or the output gets its logit divided by this
 *                          when positive, multiplied when negative; 1 turns it off
 * @param presencePenalty   OpenAI: subtracted once from the logit of every token already generated
 * @param frequencyPenalty  OpenAI: subtracted from a token's logit once per time it was generated
 * @param stop              texts that end the completion when generated; the stop text itself is not returned
 * @param stopTokenIds      tokens that end the completion (e.g. {@code <|endoftext|>}); their text is not returned
 * @param seed              seeds the sampler's own generator; null draws one. Sample i of n uses the i-th
 *                          {@code nextLong()} of {@code new SplittableRandom(seed)}
 * @param n                 independent samples of the same prompt
 * @param logprobs          null for none; otherwise each token's log probability and this many (at most 20) most
 *                          likely alternatives
 * @param echo              also return the prompt's tokens' log probabilities (the first token has none)
 */
public record SamplingParams(int maxTokens, double temperature, int topK, double topP, double minP,
                             double repetitionPenalty, double presencePenalty, double frequencyPenalty,
                             List<String> stop, List<Integer> stopTokenIds, Long seed, int n, Integer logprobs,
                             boolean echo) {
    public static final int MAX_LOGPROBS = 20;

    public SamplingParams {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max_tokens must be >= 0, got " + maxTokens);
        }
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("temperature must be in [0, 2], got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 keeps every token), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        if (!(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty))) {
            throw new IllegalArgumentException("repetition_penalty must be > 0 (1 turns it off), got "
                    + repetitionPenalty);
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new IllegalArgumentException("presence_penalty must be in [-2, 2], got " + presencePenalty);
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new IllegalArgumentException("frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop must not contain an empty string");
        }
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
        if (stopTokenIds.stream().anyMatch(t -> t < 0)) {
            throw new IllegalArgumentException("stop_token_ids must not be negative, got " + stopTokenIds);
        }
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        if (logprobs != null && (logprobs < 0 || logprobs > MAX_LOGPROBS)) {
            throw new IllegalArgumentException("logprobs must be in [0, " + MAX_LOGPROBS + "], got " + logprobs);
        }
    }

    /** OpenAI's defaults: 16 tokens, temperature 1, top_p 1, no penalties, one sample. */
    public static Builder builder() {
        return new Builder();
    }

    /** Greedy decoding of {@code maxTokens} tokens. */
    public static SamplingParams greedy(int maxTokens) {
        return builder().maxTokens(maxTokens).temperature(0).build();
    }

    public Builder toBuilder() {
        return new Builder().maxTokens(maxTokens).temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repetitionPenalty(repetitionPenalty).presencePenalty(presencePenalty)
                .frequencyPenalty(frequencyPenalty).stop(stop).stopTokenIds(stopTokenIds).seed(seed).n(n)
                .logprobs(logprobs).echo(echo);
    }

    /** Derived, so not on the wire: requests carry these params whole, and a reader refuses unknown fields. */
    @JsonIgnore
    public boolean isGreedy() {
        return temperature == 0;
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder {
        private int maxTokens = 16;
        private double temperature = 1;
        private int topK;
        private double topP = 1;
        private double minP;
        private double repetitionPenalty = 1;
        private double presencePenalty;
        private double frequencyPenalty;
        private List<String> stop = List.of();
        private List<Integer> stopTokenIds = List.of();
        private Long seed;
        private int n = 1;
        private Integer logprobs;
        private boolean echo;

        private Builder() {
        }

        public Builder maxTokens(int v) {
            maxTokens = v;
            return this;
        }

        public Builder temperature(double v) {
            temperature = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder topP(double v) {
            topP = v;
            return this;
        }

        public Builder minP(double v) {
            minP = v;
            return this;
        }

        public Builder repetitionPenalty(double v) {
            repetitionPenalty = v;
            return this;
        }

        public Builder presencePenalty(double v) {
            presencePenalty = v;
            return this;
        }

        public Builder frequencyPenalty(double v) {
            frequencyPenalty = v;
            return this;
        }

        public Builder stop(List<String> v) {
            stop = v;
            return this;
        }

        public Builder stopTokenIds(List<Integer> v) {
            stopTokenIds = v;
            return this;
        }

        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        public Builder n(int v) {
            n = v;
            return this;
        }

        public Builder logprobs(Integer v) {
            logprobs = v;
            return this;
        }

        public Builder echo(boolean v) {
            echo = v;
            return this;
        }

        public SamplingParams build() {
            return new SamplingParams(maxTokens, temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                    frequencyPenalty, stop, stopTokenIds, seed, n, logprobs, echo);
        }
    }
}
