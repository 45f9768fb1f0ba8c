package dev.llmmesh.core.eval.text;

import java.util.List;

/**
 * Exact match of a prediction against any of its references, after a normalisation applied to both sides:
 * punctuation removed (when asked), letters lowercased (when asked), then whitespace trimmed and every run of
 * whitespace made one space. Punctuation means Python's {@code string.punctuation} (the ASCII symbols and
 * punctuation, as lm-eval-harness's {@code ignore_punctuation} removes) and every Unicode punctuation character.
 * Removing punctuation before collapsing whitespace makes {@code "a , b"} equal {@code "a b"}.
 */
public final class ExactMatch {
    private ExactMatch() {
    }

    /** Whether the normalised prediction equals at least one normalised reference. */
    public static boolean matches(String prediction, List<String> references, boolean ignoreCase,
                                  boolean ignorePunctuation) {
        String p = normalize(prediction, ignoreCase, ignorePunctuation);
        for (String reference : references) {
            if (p.equals(normalize(reference, ignoreCase, ignorePunctuation))) {
                return true;
            }
        }
        return false;
    }

    /** The text as {@link #matches} compares it. */
    public static String normalize(String text, boolean ignoreCase, boolean ignorePunctuation) {
        String s = text;
        if (ignorePunctuation) {
            StringBuilder kept = new StringBuilder(s.length());
            s.codePoints().filter(c -> !isPunctuation(c)).forEach(kept::appendCodePoint);
            s = kept.toString();
        }
        if (ignoreCase) {
            s = PythonText.lower(s);
        }
        return String.join(" ", PythonText.split(s));
    }

    private static boolean isPunctuation(int c) {
        if (c < 128) {
            return c > ' ' && c < 127 && !Character.isLetterOrDigit(c);
        }
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }
}
