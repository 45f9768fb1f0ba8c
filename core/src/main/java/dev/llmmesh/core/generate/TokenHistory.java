package dev.llmmesh.core.generate;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The tokens a sequence has seen, as the penalties need them: the set of every token of the prompt and the output
 * (repetition penalty) and how often each was generated (presence and frequency penalties).
 */
public final class TokenHistory {
    private final Set<Integer> seen = new HashSet<>();
    private final Map<Integer, Integer> generated = new HashMap<>();

    public TokenHistory(int[] prompt) {
        for (int token : prompt) {
            seen.add(token);
        }
    }

    public void addGenerated(int token) {
        seen.add(token);
        generated.merge(token, 1, Integer::sum);
    }

    /** Tokens of the prompt or the output, each once. */
    public Set<Integer> seen() {
        return seen;
    }

    /** Generated token to how many times it was generated. */
    public Map<Integer, Integer> generatedCounts() {
        return generated;
    }
}
