package dev.llmmesh.core.eval.text;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * BLEU (Papineni et al. 2002) with sacreBLEU's semantics, so a score here equals sacreBLEU's on the same text and
 * options: 13a tokenization, n-grams of orders 1 to 4, a hypothesis n-gram's count clipped to the most times it
 * occurs in any one of its references, the reference length closest to the hypothesis length (the shorter one on a
 * tie), one brevity penalty over the whole corpus, and sacreBLEU's smoothing and effective order.
 *
 * <p>"sacreBLEU-compatible" means sacreBLEU 2.4: the signature says {@code version:2.4.x}. The BLEU code of
 * sacreBLEU has not changed in meaning from 2.2 to 2.6 (mjpost/sacrebleu: sacrebleu/metrics/bleu.py,
 * sacrebleu/tokenizers/tokenizer_13a.py, tokenizer_re.py), so the scores also equal those versions'.
 *
 * <p>References are given per hypothesis ({@code referenceSets.get(i)} holds the references of hypothesis i),
 * which suits rows of a dataset; sacreBLEU takes them per reference stream instead (its {@code refs[j][i]} is our
 * {@code referenceSets.get(i).get(j)}). Hypotheses may have different numbers of references, as sacreBLEU allows
 * with empty entries; the signature then says {@code nrefs:var}. Each hypothesis needs at least one.
 */
public final class Bleu {
    /** sacreBLEU's default and only order used here. */
    public static final int MAX_ORDER = 4;
    /** The sacreBLEU version whose semantics this matches, as the signature states it. */
    public static final String VERSION = "2.4.x";
    /** What sacreBLEU takes as the log of a zero precision, so that a zero precision makes the score 0. */
    private static final double LOG_ZERO = -9999999999.0;

    private Bleu() {
    }

    /**
     * Corpus BLEU: n-gram matches and lengths summed over all hypotheses, then one score.
     *
     * @param referenceSets per hypothesis, its references (at least one each)
     */
    public static BleuScore corpus(List<String> hypotheses, List<List<String>> referenceSets, BleuOptions o) {
        Objects.requireNonNull(o, "options");
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("BLEU needs at least one hypothesis");
        }
        if (hypotheses.size() != referenceSets.size()) {
            throw new IllegalArgumentException("BLEU needs one set of references per hypothesis: got "
                    + hypotheses.size() + " hypotheses and " + referenceSets.size() + " reference sets");
        }
        Tokenizer13a tokenizer = new Tokenizer13a(o.lowercase());
        double[] correct = new double[MAX_ORDER];
        double[] total = new double[MAX_ORDER];
        int hypothesisLength = 0;
        int referenceLength = 0;
        int nrefs = -1;
        for (int i = 0; i < hypotheses.size(); i++) {
            List<String> references = referenceSets.get(i);
            if (references == null || references.isEmpty()) {
                throw new IllegalArgumentException("hypothesis " + i + " has no reference");
            }
            nrefs = nrefs == -1 || nrefs == references.size() ? references.size() : -2;
            List<String> hypothesis = tokenizer.tokens(Objects.requireNonNull(hypotheses.get(i), "hypothesis " + i));
            Map<String, Integer> referenceCounts = new HashMap<>();
            int closest = -1;
            for (String reference : references) {
                List<String> tokens = tokenizer.tokens(
                        Objects.requireNonNull(reference, "a reference of hypothesis " + i));
                ngrams(tokens).forEach((ngram, count) -> referenceCounts.merge(ngram, count, Math::max));
                closest = closer(hypothesis.size(), closest, tokens.size());
            }
            for (var entry : ngrams(hypothesis).entrySet()) {
                int order = order(entry.getKey());
                total[order - 1] += entry.getValue();
                correct[order - 1] += Math.min(entry.getValue(), referenceCounts.getOrDefault(entry.getKey(), 0));
            }
            hypothesisLength += hypothesis.size();
            referenceLength += closest;
        }
        return score(correct, total, hypothesisLength, referenceLength, o, signature(nrefs, o));
    }

    /**
     * BLEU of one hypothesis, as sacreBLEU's {@code sentence_score}: corpus BLEU of a corpus of one. Use
     * {@link BleuOptions#SENTENCE} for what sacreBLEU's {@code sentence_bleu} does by default.
     */
    public static BleuScore sentence(String hypothesis, List<String> references, BleuOptions o) {
        return corpus(List.of(hypothesis), List.of(references), o);
    }

    /**
     * The score from summed statistics (sacreBLEU's {@code compute_bleu}).
     *
     * @param correct clipped n-gram matches per order; not modified
     * @param total   hypothesis n-grams per order; not modified
     */
    static BleuScore score(double[] correct, double[] total, int hypothesisLength, int referenceLength,
                           BleuOptions o, String signature) {
        double bp = 1.0;
        if (hypothesisLength < referenceLength) {
            bp = hypothesisLength > 0 ? Math.exp(1 - (double) referenceLength / hypothesisLength) : 0.0;
        }
        double ratio = referenceLength > 0 ? (double) hypothesisLength / referenceLength : 0;
        double[] precisions = new double[MAX_ORDER];
        boolean anyMatch = false;
        for (double c : correct) {
            anyMatch |= c != 0;
        }
        if (!anyMatch) {
            return new BleuScore(0.0, precisions, bp, ratio, hypothesisLength, referenceLength, signature);
        }
        Double value = o.effectiveSmoothValue();
        double exp = 1.0;
        int effectiveOrder = MAX_ORDER;
        for (int n = 1; n <= MAX_ORDER; n++) {
            double c = correct[n - 1];
            double t = total[n - 1];
            if (o.smoothing() == Smoothing.ADD_K && n > 1) {
                c += value;
                t += value;
            }
            if (t == 0) {
                break;
            }
            if (o.effectiveOrder()) {
                effectiveOrder = n;
            }
            if (c != 0) {
                precisions[n - 1] = 100.0 * c / t;
            } else if (o.smoothing() == Smoothing.EXP) {
                exp *= 2;
                precisions[n - 1] = 100.0 / (exp * t);
            } else if (o.smoothing() == Smoothing.FLOOR) {
                precisions[n - 1] = 100.0 * value / t;
            }
        }
        double logSum = 0;
        for (int n = 0; n < effectiveOrder; n++) {
            logSum += precisions[n] == 0.0 ? LOG_ZERO : Math.log(precisions[n]);
        }
        double score = bp * Math.exp(logSum / effectiveOrder);
        return new BleuScore(score, precisions, bp, ratio, hypothesisLength, referenceLength, signature);
    }

    /**
     * sacreBLEU's signature for these options.
     *
     * @param nrefs references per hypothesis, or a negative number when hypotheses have different numbers
     */
    static String signature(int nrefs, BleuOptions o) {
        String smooth = o.smoothing().wireName();
        if (o.smoothing().takesValue()) {
            // Python's f"{v:.2f}": the exact binary value rounded half to even.
            BigDecimal value = new BigDecimal(o.effectiveSmoothValue()).setScale(2, RoundingMode.HALF_EVEN);
            smooth += "[" + value.toPlainString() + "]";
        }
        return "nrefs:" + (nrefs < 0 ? "var" : Integer.toString(nrefs))
                + "|case:" + (o.lowercase() ? "lc" : "mixed")
                + "|eff:" + (o.effectiveOrder() ? "yes" : "no")
                + "|tok:13a"
                + "|smooth:" + smooth
                + "|version:" + VERSION;
    }

    /** The reference length sacreBLEU compares with: the closest to the hypothesis length, the shorter on a tie. */
    private static int closer(int hypothesisLength, int best, int candidate) {
        if (best < 0) {
            return candidate;
        }
        int d = Math.abs(hypothesisLength - candidate);
        int bestD = Math.abs(hypothesisLength - best);
        return d < bestD || (d == bestD && candidate < best) ? candidate : best;
    }

    /** Counts of the n-grams of orders 1 to 4, each keyed by its tokens joined with spaces (tokens hold none). */
    private static Map<String, Integer> ngrams(List<String> tokens) {
        Map<String, Integer> counts = new HashMap<>();
        for (int n = 1; n <= MAX_ORDER; n++) {
            for (int i = 0; i + n <= tokens.size(); i++) {
                counts.merge(String.join(" ", tokens.subList(i, i + n)), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static int order(String ngram) {
        int spaces = 0;
        for (int i = 0; i < ngram.length(); i++) {
            if (ngram.charAt(i) == ' ') {
                spaces++;
            }
        }
        return spaces + 1;
    }
}
