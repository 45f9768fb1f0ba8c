package dev.llmmesh.core.generate;

/**
 * One step of turning a model's raw logits into the distribution a token is drawn from. Each works in place on a
 * host copy of one row of logits ({@code float[vocab]}); a token it rules out gets {@code -Infinity}. One record per
 * strategy; {@link SamplerChain} puts them in order.
 */
public sealed interface LogitsProcessor {
    void apply(float[] logits, TokenHistory history);

    /** Divides every logit by {@code temperature} (> 0): below 1 sharpens the distribution, above 1 flattens it. */
    record Temperature(double temperature) implements LogitsProcessor {
        public Temperature {
            if (!(temperature > 0)) {
                throw new IllegalArgumentException("temperature must be > 0 here (0 means argmax), got " + temperature);
            }
        }

        @Override
        public void apply(float[] logits, TokenHistory history) {
            float inverse = (float) (1 / temperature);
            for (int i = 0; i < logits.length; i++) {
                logits[i] *= inverse;
            }
        }
    }

    /** Keeps exactly the {@code k} highest logits (ties at the border go to the lower id). */
    record TopK(int k) implements LogitsProcessor {
        public TopK {
            if (k < 1) {
                throw new IllegalArgumentException("top_k must be >= 1 here, got " + k);
            }
        }

        @Override
        public void apply(float[] logits, TokenHistory history) {
            if (k >= logits.length) {
                return;
            }
            int[] order = Ranking.descending(logits, k);
            boolean[] keep = new boolean[logits.length];
            for (int i = 0; i < k; i++) {
                keep[order[i]] = true;
            }
            for (int i = 0; i < logits.length; i++) {
                if (!keep[i]) {
                    logits[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /**
     * Nucleus sampling: keeps the most likely tokens, most likely first, until their probabilities add up to at
     * least {@code p}; the token that crosses {@code p} stays in, so at least one always does.
     */
    record TopP(double p) implements LogitsProcessor {
        public TopP {
            if (!(p > 0 && p <= 1)) {
                throw new IllegalArgumentException("top_p must be in (0, 1], got " + p);
            }
        }

        @Override
        public void apply(float[] logits, TokenHistory history) {
            if (p >= 1) {
                return;
            }
            double[] probs = Ranking.softmax(logits);
            // Any token with probability below (1 - p) / (V - 1) cannot be needed to reach p (all the others
            // together would still exceed p without it), so only the rest are sorted: a few hundred, not 50k.
            double floor = (1 - p) / Math.max(1, logits.length - 1);
            int candidates = 0;
            for (double q : probs) {
                if (q >= floor) {
                    candidates++;
                }
            }
            int[] order = Ranking.descending(logits, candidates);
            boolean[] keep = new boolean[logits.length];
            double mass = 0;
            for (int i = 0; i < order.length && mass < p; i++) {
                keep[order[i]] = true;
                mass += probs[order[i]];
            }
            for (int i = 0; i < logits.length; i++) {
                if (!keep[i]) {
                    logits[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /** Keeps the tokens whose probability is at least {@code minP} times the most likely token's. */
    record MinP(double minP) implements LogitsProcessor {
        public MinP {
            if (!(minP >= 0 && minP <= 1)) {
                throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
            }
        }

        @Override
        public void apply(float[] logits, TokenHistory history) {
            if (minP == 0) {
                return;
            }
            // p_i >= minP * p_max  <=>  logit_i >= logit_max + ln(minP): no softmax needed.
            float max = Float.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double threshold = max + Math.log(minP);
            for (int i = 0; i < logits.length; i++) {
                if (logits[i] < threshold) {
                    logits[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /**
     * CTRL's repetition penalty as HuggingFace applies it: a token already in the prompt or the output has its
     * logit divided by {@code penalty} when positive and multiplied by it when negative, so a penalty above 1
     * always makes it less likely.
     */
    record RepetitionPenalty(double penalty) implements LogitsProcessor {
        public RepetitionPenalty {
            if (!(penalty > 0)) {
                throw new IllegalArgumentException("repetition_penalty must be > 0, got " + penalty);
            }
        }

        @Override
        public void apply(float[] logits, TokenHistory history) {
            for (int token : history.seen()) {
                float l = logits[token];
                logits[token] = (float) (l > 0 ? l / penalty : l * penalty);
            }
        }
    }

    /**
     * OpenAI's penalties: {@code logit -= count * frequency + (count > 0 ? presence : 0)}, over the tokens
     * generated so far (not the prompt's, as vLLM also does).
     */
    record PresenceFrequencyPenalty(double presence, double frequency) implements LogitsProcessor {
        @Override
        public void apply(float[] logits, TokenHistory history) {
            history.generatedCounts().forEach((token, count) ->
                    logits[token] -= (float) (count * frequency + presence));
        }
    }
}
