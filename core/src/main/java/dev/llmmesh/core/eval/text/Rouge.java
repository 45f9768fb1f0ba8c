package dev.llmmesh.core.eval.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * ROUGE (Lin 2004) as Google's rouge-score package computes it ({@code RougeScorer}), so figures match those
 * reported with it.
 *
 * <p>Tokens: the text lowercased, every run of characters other than {@code a-z0-9} made a space (so anything
 * non-ASCII separates words), split on whitespace; with stemming, tokens longer than 3 characters go through
 * {@link PorterStemmer}. ROUGE-N counts n-gram matches clipped to the smaller count, precision over the
 * prediction's n-grams and recall over the reference's (each denominator at least 1). ROUGE-L takes the length of
 * the longest common subsequence of the two token lists (0 for all three figures when either is empty). F is F1.
 *
 * <p>Types: {@code "rouge1"} to {@code "rouge9"} and {@code "rougeL"}; rouge-score's summary-level
 * {@code "rougeLsum"} is not offered. Immutable and thread-safe.
 */
public final class Rouge {
    private static final Pattern NON_ALPHANUMERIC = Pattern.compile("[^a-z0-9]+");
    private static final Pattern TYPE_N = Pattern.compile("rouge[1-9]");
    private static final int STEM_LONGER_THAN = 3;

    private final List<String> types;
    private final PorterStemmer stemmer;

    /**
     * @param types    what to compute, in the order the results list them
     * @param stemming stem tokens as rouge-score's {@code use_stemmer=True}
     */
    public Rouge(List<String> types, boolean stemming) {
        if (types.isEmpty()) {
            throw new IllegalArgumentException("rouge_types must name at least one type");
        }
        for (String type : types) {
            if (!type.equals("rougeL") && !TYPE_N.matcher(type).matches()) {
                throw new IllegalArgumentException("rouge type must be rouge1 to rouge9 or rougeL, got '" + type + "'");
            }
        }
        this.types = List.copyOf(types);
        this.stemmer = stemming ? new PorterStemmer() : null;
    }

    /** Every type's score of the prediction against one reference, keyed by type in the constructor's order. */
    public Map<String, RougeScore> score(String reference, String prediction) {
        List<String> ref = tokenize(reference);
        List<String> pred = tokenize(prediction);
        Map<String, RougeScore> result = new LinkedHashMap<>();
        for (String type : types) {
            result.put(type, type.equals("rougeL") ? lcs(ref, pred) : ngrams(ref, pred, type.charAt(5) - '0'));
        }
        return result;
    }

    /**
     * rouge-score's {@code score_multi}: for each type separately, the score against the reference with the best
     * F1 (the first of equals).
     */
    public Map<String, RougeScore> scoreMulti(List<String> references, String prediction) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("scoreMulti needs at least one reference");
        }
        Map<String, RougeScore> best = new LinkedHashMap<>();
        for (String reference : references) {
            score(reference, prediction).forEach((type, s) ->
                    best.merge(type, s, (old, candidate) -> candidate.fmeasure() > old.fmeasure() ? candidate : old));
        }
        return best;
    }

    /** rouge-score's tokens of a text. */
    public List<String> tokenize(String text) {
        String spaced = NON_ALPHANUMERIC.matcher(PythonText.lower(text)).replaceAll(" ");
        List<String> tokens = new ArrayList<>();
        for (String token : PythonText.split(spaced)) {
            String t = stemmer != null && token.length() > STEM_LONGER_THAN ? stemmer.stem(token) : token;
            if (!t.isEmpty()) {
                tokens.add(t);
            }
        }
        return tokens;
    }

    private static RougeScore ngrams(List<String> ref, List<String> pred, int n) {
        Map<List<String>, Integer> refCounts = count(ref, n);
        Map<List<String>, Integer> predCounts = count(pred, n);
        int matches = 0;
        for (var entry : refCounts.entrySet()) {
            matches += Math.min(entry.getValue(), predCounts.getOrDefault(entry.getKey(), 0));
        }
        int refTotal = Math.max(ref.size() - n + 1, 0);
        int predTotal = Math.max(pred.size() - n + 1, 0);
        return RougeScore.of((double) matches / Math.max(predTotal, 1), (double) matches / Math.max(refTotal, 1));
    }

    private static Map<List<String>, Integer> count(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(tokens.subList(i, i + n), 1, Integer::sum);
        }
        return counts;
    }

    private static RougeScore lcs(List<String> ref, List<String> pred) {
        if (ref.isEmpty() || pred.isEmpty()) {
            return RougeScore.ZERO;
        }
        // One row of the dynamic-programming table at a time: only the length is needed, not the subsequence.
        int[] previous = new int[pred.size() + 1];
        int[] current = new int[pred.size() + 1];
        for (String r : ref) {
            for (int j = 1; j <= pred.size(); j++) {
                current[j] = r.equals(pred.get(j - 1)) ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        int length = previous[pred.size()];
        return RougeScore.of((double) length / pred.size(), (double) length / ref.size());
    }
}
