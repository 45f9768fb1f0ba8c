package dev.llmmesh.core.eval.text;

import java.util.Objects;

/**
 * How BLEU is computed, as sacreBLEU's {@code BLEU(...)} arguments: always 13a tokenization and n-grams up to 4.
 *
 * @param smoothing      what an n-gram order without a match counts as
 * @param smoothValue    the value of {@link Smoothing#FLOOR} or {@link Smoothing#ADD_K}; null for the method's
 *                       default. Must be null for the methods that take no value
 * @param lowercase      lowercase hypotheses and references first ({@code case:lc})
 * @param effectiveOrder leave out the n-gram orders the hypotheses are too short to have ({@code eff:yes});
 *                       sacreBLEU's sentence BLEU turns it on, corpus BLEU leaves it off
 */
public record BleuOptions(Smoothing smoothing, Double smoothValue, boolean lowercase, boolean effectiveOrder) {
    /** sacreBLEU's corpus BLEU defaults: exp smoothing, case-sensitive, all four orders. */
    public static final BleuOptions DEFAULT = new BleuOptions(Smoothing.EXP, null, false, false);
    /** sacreBLEU's {@code sentence_bleu} defaults: as {@link #DEFAULT} with the effective order. */
    public static final BleuOptions SENTENCE = new BleuOptions(Smoothing.EXP, null, false, true);

    public BleuOptions {
        Objects.requireNonNull(smoothing, "smoothing");
        if (smoothValue != null) {
            if (!smoothing.takesValue()) {
                throw new IllegalArgumentException("smooth_value is only for floor and add-k, not for "
                        + smoothing.wireName());
            }
            if (!(smoothValue >= 0 && Double.isFinite(smoothValue))) {
                throw new IllegalArgumentException("smooth_value must be a finite number >= 0, got " + smoothValue);
            }
        }
    }

    /** The smoothing value in use: the given one, else the method's default; null for none and exp. */
    public Double effectiveSmoothValue() {
        return smoothValue != null ? smoothValue : smoothing.defaultValue();
    }
}
