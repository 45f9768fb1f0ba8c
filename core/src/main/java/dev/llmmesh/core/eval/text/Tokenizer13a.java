package dev.llmmesh.core.eval.text;

import java.util.List;
import java.util.regex.Pattern;

/**
 * sacreBLEU's default BLEU tokenizer, {@code 13a}: the tokenization of Moses' {@code mteval-v13a.pl} that WMT uses.
 * It unescapes the four XML entities mteval knows, splits off punctuation and symbols, splits periods and commas
 * except inside numbers, and a dash after a digit, then collapses whitespace.
 *
 * <p>The order of the steps matters and is sacreBLEU's: entities are replaced one after another ({@code &amp;}
 * before {@code &lt;}, so {@code "&amp;lt;"} ends as {@code "<"}), and each regular expression runs over the whole
 * line before the next.
 */
public final class Tokenizer13a {
    /** ASCII that always stands alone: everything printable but letters, digits, '.', ',', '-' and '\''. */
    private static final Pattern SYMBOL =
            Pattern.compile("([\\x7B-\\x7E\\x5B-\\x60\\x20-\\x26\\x28-\\x2B\\x3A-\\x40/])");
    private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([.,])");
    private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([.,])([^0-9])");
    private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    private final boolean lowercase;

    /** @param lowercase lowercase the line first (sacreBLEU's {@code -lc}, signature {@code case:lc}) */
    public Tokenizer13a(boolean lowercase) {
        this.lowercase = lowercase;
    }

    /** The line's tokens joined by single spaces, as sacreBLEU hands them to its n-gram counter. */
    public String tokenize(String line) {
        String s = lowercase ? PythonText.lower(line) : line;
        s = PythonText.rstrip(s);
        s = s.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        if (s.indexOf('&') >= 0) {
            s = s.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        }
        s = " " + s + " ";
        s = SYMBOL.matcher(s).replaceAll(" $1 ");
        s = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(s).replaceAll("$1 $2 ");
        s = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(s).replaceAll(" $1 $2");
        s = DASH_AFTER_DIGIT.matcher(s).replaceAll("$1 $2 ");
        return String.join(" ", PythonText.split(s));
    }

    /** The line's tokens. */
    public List<String> tokens(String line) {
        return PythonText.split(tokenize(line));
    }
}
