package dev.llmmesh.core.eval.text;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the 0-100 score out of a judge's reply to {@link JudgePrompt#single}. Judges do not always reply with the
 * bare number they were asked for, so the reader takes what a person would, and refuses what a person would have
 * to guess at: an unreadable reply is empty, for the caller to count as unparseable, never a silent 0.
 *
 * <p>The rule:
 * <ol>
 * <li>Numbers are runs of digits with an optional decimal part, and a minus sign when one stands right before
 *     them. A number glued to a letter or to a dash after a word ({@code GPT-4}, {@code 3rd}, {@code Q3}) is not
 *     a number here; a period after one ends a sentence ({@code "85."} is 85). Spelled-out numbers are not read.</li>
 * <li>A number may carry a scale: {@code "7/10"}, {@code "7 / 10"}, {@code "4 out of 5"}. It is rescaled to 100
 *     ({@code 7/10} is 70, {@code 85/100} is 85); a scale of 0 or a number above its scale makes the reply
 *     unreadable.</li>
 * <li>Which number is the score: the first one within 40 characters after a word that names the score (score,
 *     scored, rating, rated, rate, grade, graded, mark) on the same line; else the first number that carries a
 *     scale; else the first number. Only that number is considered: if it is out of range, the reply is
 *     unreadable rather than another number being tried.</li>
 * <li>The value is rounded half up to a whole number and must lie in 0 to 100 ({@code "120"} and {@code "-5"} are
 *     unreadable). A score on a 0-1 scale ({@code "0.85"}) is not guessed at: it reads as 1.</li>
 * </ol>
 */
public final class JudgeScore {
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.\\-])(-?)(\\d+(?:\\.\\d+)?)(?!\\w|\\.\\d)");
    private static final Pattern SCALE = Pattern.compile("\\G\\s*(?:/|out\\s+of)\\s*(\\d+(?:\\.\\d+)?)(?!\\w|\\.\\d)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern LABEL = Pattern.compile(
            "\\b(?:score|scored|rating|rated|rate|grade|graded|mark)\\b", Pattern.CASE_INSENSITIVE);
    private static final int LABEL_REACH = 40;

    private JudgeScore() {
    }

    /** The score 0-100 the reply gives, or empty when it gives none that can be read (see the class comment). */
    public static OptionalInt parse(String output) {
        if (output == null) {
            return OptionalInt.empty();
        }
        List<Candidate> numbers = numbers(output);
        if (numbers.isEmpty()) {
            return OptionalInt.empty();
        }
        Candidate chosen = labelled(output, numbers);
        if (chosen == null) {
            chosen = numbers.stream().filter(c -> c.scale != null).findFirst().orElse(numbers.get(0));
        }
        return chosen.value();
    }

    private static List<Candidate> numbers(String output) {
        List<Candidate> found = new ArrayList<>();
        Matcher m = NUMBER.matcher(output);
        while (m.find()) {
            BigDecimal value = new BigDecimal(m.group(2));
            if (!m.group(1).isEmpty()) {
                value = value.negate();
            }
            Matcher s = SCALE.matcher(output);
            s.region(m.end(), output.length());
            BigDecimal scale = s.lookingAt() ? new BigDecimal(s.group(1)) : null;
            found.add(new Candidate(m.start(), value, scale));
        }
        return found;
    }

    private static Candidate labelled(String output, List<Candidate> numbers) {
        Matcher label = LABEL.matcher(output);
        while (label.find()) {
            for (Candidate c : numbers) {
                if (c.start >= label.end() && c.start - label.end() <= LABEL_REACH
                        && output.substring(label.end(), c.start).indexOf('\n') < 0) {
                    return c;
                }
            }
        }
        return null;
    }

    private record Candidate(int start, BigDecimal number, BigDecimal scale) {
        OptionalInt value() {
            BigDecimal v = number;
            if (scale != null) {
                if (scale.signum() <= 0 || v.compareTo(scale) > 0) {
                    return OptionalInt.empty();
                }
                v = v.multiply(BigDecimal.valueOf(100)).divide(scale, 6, RoundingMode.HALF_UP);
            }
            BigDecimal rounded = v.setScale(0, RoundingMode.HALF_UP);
            if (rounded.signum() < 0 || rounded.compareTo(BigDecimal.valueOf(100)) > 0 || v.signum() < 0) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(rounded.intValueExact());
        }
    }
}
