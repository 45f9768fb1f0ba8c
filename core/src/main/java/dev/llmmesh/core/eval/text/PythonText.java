package dev.llmmesh.core.eval.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The few Python string operations the reference tools rely on, with Python's semantics: what Python calls
 * whitespace ({@code str.isspace}) is wider than {@link Character#isWhitespace} (it includes no-break spaces and
 * {@code U+0085}), and a tokenizer that splits on one and not the other counts different lengths.
 */
final class PythonText {
    private PythonText() {
    }

    /** Python's {@code str.isspace()} for one character. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** Python's {@code str.split()} without arguments: runs of whitespace separate, no empty pieces. */
    static List<String> split(String s) {
        List<String> pieces = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); i++) {
            if (isSpace(s.charAt(i))) {
                if (start >= 0) {
                    pieces.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            pieces.add(s.substring(start));
        }
        return pieces;
    }

    /** Python's {@code str.rstrip()}. */
    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Python's {@code str.lower()}: full Unicode case mapping, independent of the default locale. */
    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
