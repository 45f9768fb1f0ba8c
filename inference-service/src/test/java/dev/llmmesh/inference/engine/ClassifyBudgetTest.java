package dev.llmmesh.inference.engine;

import dev.llmmesh.core.model.GptConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifyBudgetTest {
    private static final GptConfig GPT2 = GptConfig.named("gpt2");

    @Test
    void theStandardBudgetBoundsAGpt2SmallForwardByItsAttentionAndItsTokens() {
        ClassifyBudget budget = ClassifyBudget.STANDARD;
        // 1,024 tokens: attention scores [rows, 12, 1024, 1024] hold the budget's 64 Mi floats at 5 rows
        assertTrue(budget.fits(5, 1024, GPT2));
        assertFalse(budget.fits(6, 1024, GPT2));
        // 128 tokens: the token count binds first, at 16 Ki
        assertTrue(budget.fits(128, 128, GPT2));
        assertFalse(budget.fits(129, 128, GPT2));
    }

    @Test
    void cutsSortedMicroBatchesThatFitAndHoldEveryTextOnce() {
        SplittableRandom random = new SplittableRandom(4);
        int[] lengths = new int[256];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = 1 + random.nextInt(i % 50 == 0 ? 1024 : 200);
        }
        List<int[]> batches = ClassifyBudget.STANDARD.cut(lengths, GPT2);

        int[] seen = new int[lengths.length];
        int previousLongest = 0;
        for (int[] batch : batches) {
            int longest = lengths[batch[batch.length - 1]];
            assertTrue(batch.length == 1 || ClassifyBudget.STANDARD.fits(batch.length, longest, GPT2),
                    Arrays.toString(batch));
            for (int j = 0; j < batch.length; j++) {
                seen[batch[j]]++;
                assertTrue(lengths[batch[j]] >= previousLongest, "shortest first");
                previousLongest = lengths[batch[j]];
            }
        }
        assertTrue(Arrays.stream(seen).allMatch(n -> n == 1), "every text once");
        assertTrue(batches.size() > 1, "256 texts of up to 1,024 tokens do not fit one forward");
    }

    @Test
    void aTextOverTheBudgetStillRunsAlone() {
        List<int[]> batches = new ClassifyBudget(10, Long.MAX_VALUE).cut(new int[] {4, 50, 3, 4}, GPT2);
        assertEquals(3, batches.size());
        assertEquals(List.of(2, 0), Arrays.stream(batches.get(0)).boxed().toList());
        assertEquals(List.of(3), Arrays.stream(batches.get(1)).boxed().toList());
        assertEquals(List.of(1), Arrays.stream(batches.get(2)).boxed().toList());
    }
}
