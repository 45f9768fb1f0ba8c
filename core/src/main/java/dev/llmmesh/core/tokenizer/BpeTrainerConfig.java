package dev.llmmesh.core.tokenizer;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * What {@link BpeTrainer} learns.
 *
 * @param vocabSize     the size of the finished vocabulary: 256 single bytes, the learned merges and the
 *                      special tokens together
 * @param minFrequency  a pair seen fewer times than this in the corpus is never merged, so training may
 *                      end below {@code vocabSize}
 * @param specialTokens texts such as {@code <|endoftext|>}: cut out of the corpus before training and given
 *                      the last ids, in this order
 */
public record BpeTrainerConfig(int vocabSize, int minFrequency, List<String> specialTokens) {
    static final int BYTE_TOKENS = 256;

    public BpeTrainerConfig {
        Objects.requireNonNull(specialTokens, "specialTokens");
        var seen = new HashSet<String>();
        for (String special : specialTokens) {
            if (special == null || special.isEmpty()) {
                throw new IllegalArgumentException("special tokens must be non-empty text, got "
                        + (special == null ? "null" : "\"\""));
            }
            if (!seen.add(special)) {
                throw new IllegalArgumentException("special token " + special + " is listed twice");
            }
        }
        specialTokens = List.copyOf(specialTokens);
        int least = BYTE_TOKENS + specialTokens.size();
        if (vocabSize < least) {
            throw new IllegalArgumentException(
                    "vocabSize must be at least %d (256 single bytes + %d special tokens), got %d"
                            .formatted(least, specialTokens.size(), vocabSize));
        }
        if (minFrequency < 1) {
            throw new IllegalArgumentException("minFrequency must be at least 1, got " + minFrequency);
        }
    }

    /** How many tokens training may learn beyond the single bytes. */
    int learnableTokens() {
        return vocabSize - BYTE_TOKENS - specialTokens.size();
    }
}
