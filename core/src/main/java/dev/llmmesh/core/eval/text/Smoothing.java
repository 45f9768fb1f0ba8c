package dev.llmmesh.core.eval.text;

import java.util.Arrays;

/**
 * sacreBLEU's smoothing methods for n-gram orders without a match (Chen and Cherry 2014, "A Systematic Comparison
 * of Smoothing Techniques for Sentence-Level BLEU"), with sacreBLEU's wire names and default values.
 */
public enum Smoothing {
    /** No smoothing: an order without a match makes the score 0. */
    NONE("none", null),
    /** Chen and Cherry's method 1: an order without a match counts {@code value} matches (default 0.1). */
    FLOOR("floor", 0.1),
    /** Method 2: {@code value} (default 1) is added to the matches and the totals of every order above unigrams. */
    ADD_K("add-k", 1.0),
    /** Method 3, NIST's (mteval-v13a): the k-th order without a match counts 1 / 2^k matches. The default. */
    EXP("exp", null);

    private final String wireName;
    private final Double defaultValue;

    Smoothing(String wireName, Double defaultValue) {
        this.wireName = wireName;
        this.defaultValue = defaultValue;
    }

    /** The name sacreBLEU uses ({@code none}, {@code floor}, {@code add-k}, {@code exp}). */
    public String wireName() {
        return wireName;
    }

    /** The value the method uses when none is given; null for the methods that take none. */
    public Double defaultValue() {
        return defaultValue;
    }

    /** Whether the method takes a value ({@code floor}, {@code add-k}). */
    public boolean takesValue() {
        return defaultValue != null;
    }

    /** The method with this sacreBLEU name. */
    public static Smoothing fromWireName(String name) {
        for (Smoothing s : values()) {
            if (s.wireName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("smoothing must be one of "
                + Arrays.stream(values()).map(Smoothing::wireName).toList() + ", got '" + name + "'");
    }
}
