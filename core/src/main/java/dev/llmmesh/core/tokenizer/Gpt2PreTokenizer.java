package dev.llmmesh.core.tokenizer;

/**
 * Splits text into the pieces BPE works within, exactly as GPT-2's pattern does
 * ({@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} with Unicode
 * {@code \s}), but by hand: one pass over the chars with a class table instead of a backtracking regex
 * engine, which is where most of the encoding time went otherwise.
 */
public final class Gpt2PreTokenizer {
    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte SPACE = 3;

    private static final byte[] BMP_CLASS = new byte[Character.MAX_VALUE + 1];

    static {
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            BMP_CLASS[c] = classify(c);
        }
    }

    /** Receives each piece as a {@code [start, end)} range of char indices. */
    @FunctionalInterface
    public interface PieceSink {
        void piece(int start, int end);
    }

    private Gpt2PreTokenizer() {
    }

    /** Calls {@code sink} for every piece of {@code text[from, to)}, in order, covering the range. */
    public static void split(CharSequence text, int from, int to, PieceSink sink) {
        int i = from;
        while (i < to) {
            int end = pieceEnd(text, i, to);
            sink.piece(i, end);
            i = end;
        }
    }

    private static int pieceEnd(CharSequence text, int i, int to) {
        char c = text.charAt(i);
        if (c == '\'') {
            int contraction = contractionLength(text, i, to);
            if (contraction > 0) {
                return i + contraction;
            }
        }
        int start = i;
        byte cls = classAt(text, i, to);
        if (c == ' ' && i + 1 < to) {
            byte next = classAt(text, i + 1, to);
            if (next != SPACE) {
                // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+" all let one plain space lead the run.
                return runEnd(text, i + 1, to, next);
            }
        }
        if (cls != SPACE) {
            return runEnd(text, start, to, cls);
        }
        int runEnd = runEnd(text, start, to, SPACE);
        if (runEnd == to) {
            return to;
        }
        // "\s+(?!\S)" gives back the last space so it can lead the next word; a lone space falls to "\s+".
        int lastStart = runEnd - Character.charCount(codePointBefore(text, runEnd, start));
        return lastStart > start ? lastStart : runEnd;
    }

    private static int contractionLength(CharSequence text, int i, int to) {
        if (i + 1 >= to) {
            return 0;
        }
        char a = text.charAt(i + 1);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return 2;
        }
        if (i + 2 >= to) {
            return 0;
        }
        char b = text.charAt(i + 2);
        return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 3 : 0;
    }

    private static int runEnd(CharSequence text, int i, int to, byte cls) {
        while (i < to) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                if (BMP_CLASS[c] != cls) {
                    return i;
                }
                i++;
            } else {
                int cp = codePointAt(text, i, to);
                if (classify(cp) != cls) {
                    return i;
                }
                i += Character.charCount(cp);
            }
        }
        return to;
    }

    static byte classAt(CharSequence text, int i, int to) {
        char c = text.charAt(i);
        return Character.isSurrogate(c) ? classify(codePointAt(text, i, to)) : BMP_CLASS[c];
    }

    /** Like {@link Character#codePointAt}, bounded by {@code to}; a lone surrogate stands for itself. */
    static int codePointAt(CharSequence text, int i, int to) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < to) {
            char d = text.charAt(i + 1);
            if (Character.isLowSurrogate(d)) {
                return Character.toCodePoint(c, d);
            }
        }
        return c;
    }

    private static int codePointBefore(CharSequence text, int end, int start) {
        char c = text.charAt(end - 1);
        if (Character.isLowSurrogate(c) && end - 2 >= start && Character.isHighSurrogate(text.charAt(end - 2))) {
            return Character.toCodePoint(text.charAt(end - 2), c);
        }
        return c;
    }

    static byte classify(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** Unicode's White_Space property, which is what {@code \s} means in tiktoken's regex engine. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
