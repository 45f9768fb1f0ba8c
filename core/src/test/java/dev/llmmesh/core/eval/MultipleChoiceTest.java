package dev.llmmesh.core.eval;

import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultipleChoiceTest {
    private static final BpeTokenizer GPT2 = Gpt2Vocabulary.gpt2();
    /** Tests run in the module's directory; the task is in the project's bundled data. */
    private static final Path TASK = Path.of("..", "datasets", "tasks", "wordnet-definitions.jsonl");

    /**
     * GPT-2 ids (its published vocab.json): "The" 464, " cat" 3797, " sat" 3332, " ran" 4966, " " 220. The
     * continuation is " " + choice; the context is tokenized alone, the continuation is what the whole adds.
     */
    @Test
    void requestsSplitContextAndContinuationAsTheHarnessDoes() {
        var row = new MultipleChoice.Row("The cat", List.of("sat", "ran"), 0);
        List<MultipleChoice.ChoiceRequest> requests = MultipleChoice.requests(row, GPT2);
        assertArrayEquals(new int[]{464, 3797}, requests.get(0).contextTokens());
        assertArrayEquals(new int[]{3332}, requests.get(0).continuationTokens());
        assertArrayEquals(new int[]{4966}, requests.get(1).continuationTokens());
        assertArrayEquals(new int[]{464, 3797, 3332}, requests.get(0).allTokens());
        assertEquals(3, requests.get(0).continuationBytes());

        // a trailing space moves to the continuation, which then starts with two spaces: "  sat" is " " + " sat"
        var spaced = new MultipleChoice.Row("The cat ", List.of("sat", "ran"), 0);
        MultipleChoice.ChoiceRequest moved = MultipleChoice.requests(spaced, GPT2).getFirst();
        assertArrayEquals(new int[]{464, 3797}, moved.contextTokens());
        assertArrayEquals(new int[]{220, 3332}, moved.continuationTokens());
        assertEquals("  sat", GPT2.decode(moved.continuationTokens()));

        // an empty context is <|endoftext|> (50256), the harness's prefix token
        var empty = new MultipleChoice.Row("", List.of("sat", "ran"), 0);
        assertArrayEquals(new int[]{50256}, MultipleChoice.requests(empty, GPT2).getFirst().contextTokens());
    }

    /**
     * Hand-computed: choices "cat" (3 bytes), "elephant" (8 bytes), "né" (3 bytes: é is 2 in UTF-8), right answer
     * "elephant" (1).
     * <pre>
     *   log-likelihoods   -4.0               -9.6           -3.3
     *   per byte          -4.0/3 = -1.3333   -9.6/8 = -1.2  -3.3/3 = -1.1   acc: 2, acc_norm: 2 (both wrong)
     *   log-likelihoods   -4.0               -9.6           -3.9
     *   per byte          -1.3333            -1.2           -3.9/3 = -1.3   acc: 2 (wrong), acc_norm: 1 (right)
     * </pre>
     */
    @Test
    void accAndAccNormByHand() {
        var row = new MultipleChoice.Row("Which is largest?", List.of("cat", "elephant", "né"), 1);
        MultipleChoice.Score first = MultipleChoice.score(row, new double[]{-4.0, -9.6, -3.3});
        assertEquals(2, first.predicted());
        assertEquals(2, first.predictedNorm());
        assertFalse(first.acc());
        assertFalse(first.accNorm());

        MultipleChoice.Score second = MultipleChoice.score(row, new double[]{-4.0, -9.6, -3.9});
        assertEquals(2, second.predicted());
        assertEquals(1, second.predictedNorm());
        assertFalse(second.acc());
        assertTrue(second.accNorm());

        // "ab" (2 bytes, 2 chars) at -2.2 vs "é" (2 bytes, 1 char) at -1.2: per byte -1.1 vs -0.6 -> "é";
        // per character (the harness's len) -1.1 vs -1.2 -> "ab". Bytes are what is asked for.
        var accents = new MultipleChoice.Row("x", List.of("ab", "é"), 1);
        assertEquals(1, MultipleChoice.score(accents, new double[]{-2.2, -1.2}).predictedNorm());

        // ties go to the first choice, as numpy's argmax
        var tie = new MultipleChoice.Row("x", List.of("aa", "bb"), 1);
        MultipleChoice.Score tied = MultipleChoice.score(tie, new double[]{-1, -1});
        assertEquals(0, tied.predicted());
        assertEquals(0, tied.predictedNorm());

        // the tally: 1 of 3 right by acc, 2 of 3 by acc_norm
        MultipleChoice.Accuracy total = new MultipleChoice.Tally().add(first).add(second)
                .add(MultipleChoice.score(row, new double[]{-9, -1, -9})).result();
        assertEquals(3, total.examples());
        assertEquals(1 / 3.0, total.acc(), 1e-12);
        assertEquals(2 / 3.0, total.accNorm(), 1e-12);
        assertEquals(Intervals.wilson(1, 3), total.accInterval());
        assertEquals(Intervals.wilson(2, 3), total.accNormInterval());
    }

    @Test
    void rowsParseFromJsonlAndMalformedOnesNameTheField() {
        var row = MultipleChoice.Row.parse("{\"context\": \"Q?\\nAnswer:\", \"choices\": [\"noun\", \"verb\"], "
                + "\"label\": 1}");
        assertEquals(new MultipleChoice.Row("Q?\nAnswer:", List.of("noun", "verb"), 1), row);
        assertMalformed("{\"choices\": [\"a\", \"b\"], \"label\": 0}", "context: missing or not a string");
        assertMalformed("{\"context\": \"q\", \"choices\": [\"a\"], \"label\": 0}",
                "choices: need at least two, got 1");
        assertMalformed("{\"context\": \"q\", \"choices\": [\"a\", 3], \"label\": 0}",
                "choices: choice 1 is not a string");
        assertMalformed("{\"context\": \"q\", \"choices\": [\"a\", \"b\"], \"label\": 2}",
                "label: 2 is not an index into the 2 choices");
        assertMalformed("{\"context\": \"q\", \"choices\": [\"a\", \"b\"], \"label\": \"0\"}",
                "label: missing or not an integer");
        assertMalformed("not json", "row: not JSON");
        assertThrows(IllegalArgumentException.class,
                () -> MultipleChoice.score(row, new double[]{-1}));
    }

    /** The bundled task (datasets/tasks/wordnet-definitions.jsonl): every row is valid and tokenizes as asked. */
    @Test
    void theBundledTaskIsWellFormed() throws IOException {
        List<String> lines = Files.readAllLines(TASK);
        assertEquals(493, lines.size());
        int[] labels = new int[4];
        for (String line : lines) {
            MultipleChoice.Row row = MultipleChoice.Row.parse(line);
            assertEquals(4, row.choices().size());
            assertEquals(4, new HashSet<>(row.choices()).size(), "distinct choices: " + line);
            labels[row.label()]++;
            List<MultipleChoice.ChoiceRequest> requests = MultipleChoice.requests(row, GPT2);
            for (int i = 0; i < 4; i++) {
                MultipleChoice.ChoiceRequest request = requests.get(i);
                assertEquals(row.context(), GPT2.decode(request.contextTokens()));
                assertEquals(" " + row.choices().get(i), GPT2.decode(request.continuationTokens()));
            }
        }
        for (int count : labels) {
            assertTrue(count > 493 / 4 - 20 && count < 493 / 4 + 20, "right answers spread over positions: "
                    + Arrays.toString(labels));
        }
    }

    private static void assertMalformed(String line, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> MultipleChoice.Row.parse(line));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
