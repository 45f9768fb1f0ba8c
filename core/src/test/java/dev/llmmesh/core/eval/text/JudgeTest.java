package dev.llmmesh.core.eval.text;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.OptionalInt;

import static dev.llmmesh.core.eval.text.PairwisePreference.A;
import static dev.llmmesh.core.eval.text.PairwisePreference.B;
import static dev.llmmesh.core.eval.text.PairwisePreference.TIE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The judge's prompts and the readers of its replies, on the messy replies judges give. */
class JudgeTest {
    @Test
    void scoresReadFromMessyReplies() {
        assertScore(85, "85");
        assertScore(85, " Score: 85/100");
        assertScore(85, "**85**");
        assertScore(85, "I would rate this 85 out of 100.");
        assertScore(85, "85.");
        assertScore(85, "Score: 85\n\nThe answer is correct but misses one step (step 3).");
        assertScore(70, "7/10");
        assertScore(80, "Rating: 4 out of 5");
        assertScore(85, "8.5/10");
        assertScore(86, "85.5");
        assertScore(0, "0");
        assertScore(100, "100");
        assertScore(90, "The answer lists 3 reasons and gets 2 right. Score: 90");
        assertScore(60, "There are 2 mistakes, so 60/100.");
        assertScore(75, "Grade: 75%");
        assertScore(40, "```\n40\n```");
        assertScore(3, "I count 3 issues; 70", "no label and no scale: the first number");
        assertScore(95, "As GPT-4 would say: score 95");
    }

    @Test
    void repliesWithoutAReadableScoreAreEmptyNotZero() {
        assertEmpty("eighty");
        assertEmpty("120");
        assertEmpty("-5");
        assertEmpty("Score: -5");
        assertEmpty("11/10");
        assertEmpty("5/0");
        assertEmpty("");
        assertEmpty("I cannot grade this answer.");
        assertEmpty(null);
        assertEmpty("Score: 150, no wait, 90", "only the chosen number counts");
    }

    @Test
    void pairwisePreferencesReadFromMessyReplies() {
        assertPreference(A, "A");
        assertPreference(B, " B.");
        assertPreference(B, "**B**");
        assertPreference(TIE, "TIE");
        assertPreference(TIE, "tie");
        assertPreference(A, "[[A]]");
        assertPreference(TIE, "My verdict: [[C]]");
        assertPreference(B, "Answer B is better because it is complete.");
        assertPreference(A, "After comparing both, Response (A) wins.");
        assertPreference(A, "Better answer: A");
        assertPreference(B, "Winner: B");
        assertPreference(B, "I prefer B.");
        assertPreference(A, "The verdict is (A).");
        assertPreference(TIE, "They are equally good.");
        assertPreference(TIE, "Neither is better.");
        assertEquals(Optional.empty(), PairwisePreference.parse("a better answer would cite sources"));
        assertEquals(Optional.empty(), PairwisePreference.parse("I am not sure."));
        assertEquals(Optional.empty(), PairwisePreference.parse(null));
    }

    @Test
    void bothOrdersMustAgreeForAWin() {
        // Asked A-then-B and B-then-A; in the second the judge's "A" is the original B.
        assertEquals(A, PairwiseVerdict.combine(A, B).winner());
        assertEquals(B, PairwiseVerdict.combine(B, A).winner());
        PairwiseVerdict positional = PairwiseVerdict.combine(A, A);
        assertEquals(TIE, positional.winner(), "the judge always picked the first shown: position bias");
        assertFalse(positional.consistent());
        assertEquals(TIE, PairwiseVerdict.combine(A, TIE).winner());
        assertFalse(PairwiseVerdict.combine(TIE, B).consistent());
        PairwiseVerdict tie = PairwiseVerdict.combine(TIE, TIE);
        assertEquals(TIE, tie.winner());
        assertTrue(tie.consistent());
        assertTrue(PairwiseVerdict.combine(B, A).consistent());
    }

    @Test
    void promptsHoldTheMaterialAndAskForTheFormTheReadersRead() {
        String single = JudgePrompt.single("Name the capital of France.", "Paris", "Paris is the capital.");
        assertTrue(single.contains("Name the capital of France."));
        assertTrue(single.contains("### Correct answer\nParis\n"));
        assertTrue(single.contains("Paris is the capital."));
        assertTrue(single.contains("0") && single.contains("100") && single.contains("number only"));
        assertFalse(JudgePrompt.single("Task", null, "Answer").contains("Correct answer"));
        assertEquals(single, JudgePrompt.single("Name the capital of France.", "Paris", "Paris is the capital."));

        String pair = JudgePrompt.pairwise("Task", "Ref", "first", "second");
        assertTrue(pair.indexOf("### Answer A\nfirst") < pair.indexOf("### Answer B\nsecond"));
        assertTrue(pair.contains("A, B, or TIE"));
        String swapped = JudgePrompt.pairwise("Task", "Ref", "second", "first");
        assertTrue(swapped.indexOf("### Answer A\nsecond") < swapped.indexOf("### Answer B\nfirst"));
    }

    private static void assertScore(int expected, String output) {
        assertScore(expected, output, output);
    }

    private static void assertScore(int expected, String output, String why) {
        assertEquals(OptionalInt.of(expected), JudgeScore.parse(output), why);
    }

    private static void assertEmpty(String output) {
        assertEmpty(output, output);
    }

    private static void assertEmpty(String output, String why) {
        assertEquals(OptionalInt.empty(), JudgeScore.parse(output), why);
    }

    private static void assertPreference(PairwisePreference expected, String output) {
        assertEquals(Optional.of(expected), PairwisePreference.parse(output), output);
    }
}
