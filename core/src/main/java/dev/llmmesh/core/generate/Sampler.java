package dev.llmmesh.core.generate;

import java.util.random.RandomGenerator;

/** Picks the next token from one row of (processed) logits. */
public sealed interface Sampler {
    int sample(float[] logits);

    /** The most likely token; ties go to the lowest id. Deterministic. */
    record Argmax() implements Sampler {
        @Override
        public int sample(float[] logits) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
    }

    /**
     * A draw from softmax(logits) with the sampler's own generator, so the same seed gives the same tokens whatever
     * the engine or its threads do. Walks the cumulative distribution in id order against one uniform number.
     */
    record Categorical(RandomGenerator random) implements Sampler {
        @Override
        public int sample(float[] logits) {
            double[] p = Ranking.softmax(logits);
            double u = random.nextDouble();
            double cumulative = 0;
            int last = -1;
            for (int i = 0; i < p.length; i++) {
                if (p[i] > 0) {
                    cumulative += p[i];
                    last = i;
                    if (u < cumulative) {
                        return i;
                    }
                }
            }
            // u fell in the rounding gap above the summed probabilities: the last possible token.
            return last;
        }
    }
}
