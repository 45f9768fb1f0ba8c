package dev.llmmesh.core.eval.text;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A judge's answer to {@link JudgePrompt#pairwise}: the first answer shown is better, the second, or neither.
 *
 * <p>{@link #parse} reads a reply as follows. If its first word (after markdown and quotes) is {@code A},
 * {@code B} (capitals only: a lowercase "a" is an article) or {@code tie} (any case), that is the answer.
 * Otherwise the earliest of these decides: {@code [[A]]}, {@code [[B]]}, {@code [[C]]} or {@code [[TIE]]}
 * (MT-bench's form, where C is a tie); one of the words answer, response, option, assistant, winner, verdict,
 * choice, prefer or preferred, then maybe "is" and a colon, then a capital A or B ({@code "Answer B is better"},
 * {@code "Winner: A"}, {@code "I prefer B"}); the words tie, tied, neither or equally. A reply with none of these
 * is empty.
 */
public enum PairwisePreference {
    A, B, TIE;

    private static final Pattern FIRST_WORD = Pattern.compile("^[\\s*_#`\"'(\\[]*([A-Za-z]+)\\b");
    private static final Pattern STATED = Pattern.compile(
            "\\[\\[\\s*(A|B|C|TIE)\\s*]]"
                    + "|(?i:\\b(?:answer|response|option|assistant|winner|verdict|choice|prefer|preferred)"
                    + "\\s*(?:is\\s*)?:?)\\s*\\(?\\s*([AB])\\b"
                    + "|(?i:\\b(tie|tied|neither|equally)\\b)");

    /** The same preference seen from the other order of the two answers: A and B exchange, a tie stays. */
    public PairwisePreference swapped() {
        return switch (this) {
            case A -> B;
            case B -> A;
            case TIE -> TIE;
        };
    }

    /** The preference a judge's reply states, or empty when it states none that can be read. */
    public static Optional<PairwisePreference> parse(String output) {
        if (output == null) {
            return Optional.empty();
        }
        Matcher first = FIRST_WORD.matcher(output);
        if (first.find()) {
            String word = first.group(1);
            if (word.equals("A") || word.equals("B")) {
                return Optional.of(valueOf(word));
            }
            if (word.equalsIgnoreCase("tie")) {
                return Optional.of(TIE);
            }
        }
        Matcher stated = STATED.matcher(output);
        if (!stated.find()) {
            return Optional.empty();
        }
        if (stated.group(1) != null) {
            return Optional.of(switch (stated.group(1)) {
                case "A" -> A;
                case "B" -> B;
                default -> TIE;
            });
        }
        if (stated.group(2) != null) {
            return Optional.of(valueOf(stated.group(2).toUpperCase(Locale.ROOT)));
        }
        return Optional.of(TIE);
    }
}
