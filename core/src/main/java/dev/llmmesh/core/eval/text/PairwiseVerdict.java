package dev.llmmesh.core.eval.text;

import java.util.Objects;

/**
 * The outcome of comparing answers A and B twice, once in each order, so that a judge's liking for a position
 * (many prefer whatever comes first) cancels out: A wins only if the judge prefers A both when it is shown first
 * and when it is shown second; likewise B. Any disagreement between the two orders, or a tie in either, is a tie.
 *
 * @param firstOrder   the judge's answer with A shown as "A"
 * @param swappedOrder the judge's answer with the two exchanged (A shown as "B"), as the judge stated it
 * @param winner       A, B or TIE in terms of the original A and B
 * @param consistent   whether both orders name the same answer (or both a tie); an inconsistent pair is the
 *                     position bias the swap exists to catch, worth counting
 */
public record PairwiseVerdict(PairwisePreference firstOrder, PairwisePreference swappedOrder,
                              PairwisePreference winner, boolean consistent) {
    public PairwiseVerdict {
        Objects.requireNonNull(firstOrder, "firstOrder");
        Objects.requireNonNull(swappedOrder, "swappedOrder");
        Objects.requireNonNull(winner, "winner");
    }

    /** Combines the two orders' answers as the class comment says. */
    public static PairwiseVerdict combine(PairwisePreference firstOrder, PairwisePreference swappedOrder) {
        boolean consistent = firstOrder == swappedOrder.swapped();
        return new PairwiseVerdict(firstOrder, swappedOrder, consistent ? firstOrder : PairwisePreference.TIE,
                consistent);
    }
}
