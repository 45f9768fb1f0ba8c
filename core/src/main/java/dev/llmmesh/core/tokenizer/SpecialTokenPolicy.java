package dev.llmmesh.core.tokenizer;

import java.util.Set;

/**
 * What to do with special token text found in the input, with tiktoken's semantics: {@code allowed}
 * specials become their ids, {@code disallowed} ones are an error, any other is encoded as plain text.
 * A set holding {@link #ALL} stands for every special token of the tokenizer.
 */
public record SpecialTokenPolicy(Set<String> allowed, Set<String> disallowed) {
    public static final String ALL = "\u0000all";

    /** tiktoken's default: special token text in the input is an error. */
    public static final SpecialTokenPolicy DISALLOW_ALL = new SpecialTokenPolicy(Set.of(), Set.of(ALL));
    /** Every special token text becomes its id. */
    public static final SpecialTokenPolicy ALLOW_ALL = new SpecialTokenPolicy(Set.of(ALL), Set.of());
    /** Special token text is ordinary text. */
    public static final SpecialTokenPolicy PLAIN_TEXT = new SpecialTokenPolicy(Set.of(), Set.of());

    public SpecialTokenPolicy {
        allowed = Set.copyOf(allowed);
        disallowed = Set.copyOf(disallowed);
    }

    boolean allows(String special) {
        return allowed.contains(ALL) || allowed.contains(special);
    }

    boolean disallows(String special) {
        return !allows(special) && (disallowed.contains(ALL) || disallowed.contains(special));
    }
}
