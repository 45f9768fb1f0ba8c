package dev.llmmesh.core.eval.text;

import java.util.Map;

/**
 * The Porter stemmer as NLTK's {@code PorterStemmer()} runs it in its default mode, {@code NLTK_EXTENSIONS}: the
 * mode rouge-score constructs, so ROUGE with stemming agrees with rouge-score only with these exact rules. Porter's
 * 1980 algorithm (steps 1a to 5b) with NLTK's changes: a few irregular forms looked up whole ("dying" to "die"),
 * words of one or two letters left alone, "-ies"/"-ied" of four-letter words to "-ie", y to i only after a consonant
 * that is not the word's only letter, "-bli" to "-ble", "-alli" to "-al" before the other step-2 rules, "-fulli" and
 * "-logi", and a two-letter vowel-consonant stem counting as ending consonant-vowel-consonant.
 *
 * <p>Checked against Debian's python3-nltk on every distinct word of Moby-Dick (PorterStemmerTest). Stateless and
 * thread-safe.
 */
public final class PorterStemmer {
    /** NLTK's irregular forms: the word as given (before lowercasing, as NLTK looks it up) to its stem. */
    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"),
            Map.entry("dying", "die"), Map.entry("lying", "lie"), Map.entry("tying", "tie"),
            Map.entry("news", "news"),
            Map.entry("innings", "inning"), Map.entry("inning", "inning"),
            Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"),
            Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"), Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    /** Step 2: suffix and replacement, when the rest has a positive measure. The first suffix that fits decides. */
    private static final String[][] STEP2 = {
            {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"},
            {"bli", "ble"}, {"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"},
            {"ization", "ize"}, {"ation", "ate"}, {"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"},
            {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"},
            {"fulli", "ful"}, {"logi", "log"}};
    private static final String[][] STEP3 = {
            {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""},
            {"ness", ""}};
    /** Step 4: removed when the rest has a measure above 1 ("ion" also needs the rest to end in s or t). */
    private static final String[] STEP4 = {
            "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate",
            "iti", "ous", "ive", "ize"};

    /** The stem of one word; lowercases it first, as NLTK does. */
    public String stem(String word) {
        String w = PythonText.lower(word);
        String irregular = IRREGULAR.get(word);
        if (irregular != null) {
            return irregular;
        }
        if (word.length() <= 2) {
            return w;
        }
        w = step1a(w);
        w = step1b(w);
        w = step1c(w);
        w = step2(w);
        w = step3(w);
        w = step4(w);
        w = step5a(w);
        return step5b(w);
    }

    private static String step1a(String w) {
        if (w.length() == 4 && w.endsWith("ies")) {
            return w.substring(0, 1) + "ie";
        }
        if (w.endsWith("sses")) {
            return cut(w, 2);
        }
        if (w.endsWith("ies")) {
            return cut(w, 2);
        }
        if (w.endsWith("ss")) {
            return w;
        }
        return w.endsWith("s") ? cut(w, 1) : w;
    }

    private static String step1b(String w) {
        if (w.endsWith("ied")) {
            return w.length() == 4 ? cut(w, 3) + "ie" : cut(w, 3) + "i";
        }
        if (w.endsWith("eed")) {
            String rest = cut(w, 3);
            return measure(rest) > 0 ? rest + "ee" : w;
        }
        String rest;
        if (w.endsWith("ed") && hasVowel(cut(w, 2))) {
            rest = cut(w, 2);
        } else if (w.endsWith("ing") && hasVowel(cut(w, 3))) {
            rest = cut(w, 3);
        } else {
            return w;
        }
        if (rest.endsWith("at") || rest.endsWith("bl") || rest.endsWith("iz")) {
            return rest + "e";
        }
        if (endsDoubleConsonant(rest)) {
            char last = rest.charAt(rest.length() - 1);
            return last == 'l' || last == 's' || last == 'z' ? rest : cut(rest, 1);
        }
        return measure(rest) == 1 && endsCvc(rest) ? rest + "e" : rest;
    }

    private static String step1c(String w) {
        if (w.endsWith("y")) {
            String rest = cut(w, 1);
            if (rest.length() > 1 && isConsonant(rest, rest.length() - 1)) {
                return rest + "i";
            }
        }
        return w;
    }

    private static String step2(String w) {
        if (w.endsWith("alli") && measure(cut(w, 4)) > 0) {
            return step2(cut(w, 4) + "al");
        }
        for (String[] rule : STEP2) {
            if (w.endsWith(rule[0])) {
                String rest = cut(w, rule[0].length());
                // NLTK measures "-logi" with its "l": the rest is taken as everything before "ogi".
                String measured = rule[0].equals("logi") ? cut(w, 3) : rest;
                return measure(measured) > 0 ? rest + rule[1] : w;
            }
        }
        return w;
    }

    private static String step3(String w) {
        for (String[] rule : STEP3) {
            if (w.endsWith(rule[0])) {
                String rest = cut(w, rule[0].length());
                return measure(rest) > 0 ? rest + rule[1] : w;
            }
        }
        return w;
    }

    private static String step4(String w) {
        for (String suffix : STEP4) {
            if (w.endsWith(suffix)) {
                String rest = cut(w, suffix.length());
                boolean ok = measure(rest) > 1;
                if (suffix.equals("ion")) {
                    ok &= !rest.isEmpty() && (rest.endsWith("s") || rest.endsWith("t"));
                }
                return ok ? rest : w;
            }
        }
        return w;
    }

    private static String step5a(String w) {
        if (w.endsWith("e")) {
            String rest = cut(w, 1);
            int m = measure(rest);
            if (m > 1 || (m == 1 && !endsCvc(rest))) {
                return rest;
            }
        }
        return w;
    }

    private static String step5b(String w) {
        return w.endsWith("ll") && measure(cut(w, 1)) > 1 ? cut(w, 1) : w;
    }

    private static String cut(String w, int chars) {
        return w.substring(0, w.length() - chars);
    }

    /** Porter's consonant: not a vowel, and y only when it follows a vowel or starts the word. */
    private static boolean isConsonant(String w, int i) {
        char c = w.charAt(i);
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
            return false;
        }
        if (c == 'y') {
            return i == 0 || !isConsonant(w, i - 1);
        }
        return true;
    }

    /** Porter's m: the number of vowel-sequence-then-consonant-sequence pairs in [C](VC)^m[V]. */
    private static int measure(String w) {
        int m = 0;
        for (int i = 1; i < w.length(); i++) {
            if (isConsonant(w, i) && !isConsonant(w, i - 1)) {
                m++;
            }
        }
        return m;
    }

    private static boolean hasVowel(String w) {
        for (int i = 0; i < w.length(); i++) {
            if (!isConsonant(w, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsDoubleConsonant(String w) {
        int n = w.length();
        return n >= 2 && w.charAt(n - 1) == w.charAt(n - 2) && isConsonant(w, n - 1);
    }

    /** Porter's *o, with NLTK's addition of a two-letter vowel-consonant word. */
    private static boolean endsCvc(String w) {
        int n = w.length();
        if (n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)) {
            char last = w.charAt(n - 1);
            return last != 'w' && last != 'x' && last != 'y';
        }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1);
    }
}
