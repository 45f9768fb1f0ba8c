package dev.llmmesh.core.eval.text;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A BLEU score with what it was computed from, as sacreBLEU reports it.
 *
 * @param score             BLEU, 0 to 100
 * @param precisions        the (smoothed) n-gram precisions of orders 1 to 4, each 0 to 100
 * @param brevityPenalty    1 when the hypotheses are at least as long as the references, else exp(1 - ref/hyp)
 * @param ratio             hypothesis length over reference length (0 when the references are empty)
 * @param hypothesisLength  tokens in all hypotheses
 * @param referenceLength   tokens in the closest reference of every hypothesis, summed
 * @param signature         sacreBLEU's reproducibility signature, e.g.
 *                          {@code nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.x}
 */
public record BleuScore(double score, double[] precisions, double brevityPenalty, double ratio,
                        int hypothesisLength, int referenceLength, String signature) {
    public BleuScore {
        precisions = precisions.clone();
    }

    @Override
    public double[] precisions() {
        return precisions.clone();
    }

    /** Equal when every component is, the precisions compared by value. */
    @Override
    public boolean equals(Object o) {
        return o instanceof BleuScore b && Double.compare(score, b.score) == 0
                && Arrays.equals(precisions, b.precisions)
                && Double.compare(brevityPenalty, b.brevityPenalty) == 0 && Double.compare(ratio, b.ratio) == 0
                && hypothesisLength == b.hypothesisLength && referenceLength == b.referenceLength
                && signature.equals(b.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(score, Arrays.hashCode(precisions), brevityPenalty, ratio, hypothesisLength,
                referenceLength, signature);
    }

    /**
     * sacreBLEU's one-line summary followed by the signature, e.g.
     * {@code BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18) nrefs:2|...}.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "BLEU = %.2f ", score));
        for (int n = 0; n < precisions.length; n++) {
            s.append(n == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.1f", precisions[n]));
        }
        return s.append(String.format(Locale.ROOT, " (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d) %s",
                brevityPenalty, ratio, hypothesisLength, referenceLength, signature)).toString();
    }
}
