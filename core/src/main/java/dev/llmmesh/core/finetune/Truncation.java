package dev.llmmesh.core.finetune;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which tokens of a text longer than a classifier's {@code maxLength} it reads. Training, evaluation and serving
 * truncate the same way: the classifier's config records the choice.
 */
public enum Truncation {
    /** The first tokens: the book's choice (chapter 6), and the default. */
    HEAD("head"),
    /**
     * The first half and the last half, the text between them left out (Sun et al., "How to Fine-Tune BERT for Text
     * Classification?", 2019: head and tail together beat either alone on long reviews). A mail's subject and opening
     * are at its head, a mailing list's footer and a spam's unsubscribe lines at its tail.
     */
    HEAD_TAIL("head-tail");

    public static final Truncation DEFAULT = HEAD;

    private final String wireName;

    Truncation(String wireName) {
        this.wireName = wireName;
    }

    /** The name in jobs and configs: {@code head}, {@code head-tail}. */
    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException naming the valid choices for anything else */
    public static Truncation of(String name) {
        for (Truncation t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("truncation must be one of "
                + Arrays.stream(values()).map(Truncation::wireName).collect(Collectors.joining(", "))
                + "; got '" + name + "'");
    }

    /**
     * The tokens read of {@code tokens}: all of them when they fit in {@code maxLength}, else {@code maxLength} of
     * them in their original order. {@link #HEAD_TAIL} gives the head the odd token.
     */
    public int[] keep(int[] tokens, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be positive, got " + maxLength);
        }
        if (tokens.length <= maxLength) {
            return tokens;
        }
        return switch (this) {
            case HEAD -> Arrays.copyOf(tokens, maxLength);
            case HEAD_TAIL -> {
                int head = (maxLength + 1) / 2;
                int tail = maxLength - head;
                int[] kept = Arrays.copyOf(tokens, maxLength);
                System.arraycopy(tokens, tokens.length - tail, kept, head, tail);
                yield kept;
            }
        };
    }

    @Override
    public String toString() {
        return wireName;
    }
}
