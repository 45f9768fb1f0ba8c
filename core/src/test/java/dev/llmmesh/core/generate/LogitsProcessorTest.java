package dev.llmmesh.core.generate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogitsProcessorTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;

    /** Logits whose softmax is exactly {0.5, 0.3, 0.15, 0.05} (up to float rounding). */
    private static float[] fourWay() {
        return new float[] {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15),
                (float) Math.log(0.05)};
    }

    private static TokenHistory none() {
        return new TokenHistory(new int[0]);
    }

    private static int kept(float[] logits) {
        return (int) IntStreamOf(logits).filter(i -> logits[i] != NEG).count();
    }

    private static java.util.stream.IntStream IntStreamOf(float[] logits) {
        return java.util.stream.IntStream.range(0, logits.length);
    }

    @Test
    void topKKeepsExactlyKAndLeavesThemUnchanged() {
        float[] logits = {0.1f, 3f, -1f, 2f, 2.5f, 0f};
        float[] original = logits.clone();
        new LogitsProcessor.TopK(3).apply(logits, none());
        assertEquals(3, kept(logits));
        assertArrayEquals(new float[] {NEG, 3f, NEG, 2f, 2.5f, NEG}, logits);
        // ties at the border: exactly k survive, the lower ids
        float[] ties = {1f, 1f, 1f, 1f};
        new LogitsProcessor.TopK(2).apply(ties, none());
        assertArrayEquals(new float[] {1f, 1f, NEG, NEG}, ties);
        float[] all = original.clone();
        new LogitsProcessor.TopK(10).apply(all, none());
        assertArrayEquals(original, all);
    }

    @Test
    void topPKeepsTheSmallestHeadReachingP() {
        float[] a = fourWay();
        new LogitsProcessor.TopP(0.75).apply(a, none());
        assertEquals(2, kept(a), Arrays.toString(a));
        assertTrue(a[0] != NEG && a[1] != NEG);
        float[] b = fourWay();
        new LogitsProcessor.TopP(0.85).apply(b, none());
        assertEquals(3, kept(b));
        assertEquals(NEG, b[3]);
        float[] c = fourWay();
        new LogitsProcessor.TopP(0.4).apply(c, none());
        assertEquals(1, kept(c), "the most likely token alone already covers 0.4");
        float[] d = fourWay();
        new LogitsProcessor.TopP(1.0).apply(d, none());
        assertEquals(4, kept(d));
        // order of the ids does not matter
        float[] shuffled = {fourWay()[3], fourWay()[1], fourWay()[0], fourWay()[2]};
        new LogitsProcessor.TopP(0.75).apply(shuffled, none());
        assertArrayEquals(new float[] {NEG, fourWay()[1], fourWay()[0], NEG}, shuffled);
    }

    @Test
    void topPOnALargeVocabularyMatchesAFullSort() {
        SplittableRandom random = new SplittableRandom(3);
        float[] logits = new float[50257];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        for (double p : new double[] {0.1, 0.5, 0.9, 0.99}) {
            float[] fast = logits.clone();
            new LogitsProcessor.TopP(p).apply(fast, none());
            // reference: sort all probabilities, keep until the mass reaches p
            double[] probs = Ranking.softmax(logits);
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> Double.compare(probs[y], probs[x]));
            double mass = 0;
            int expected = 0;
            while (mass < p) {
                mass += probs[order[expected++]];
            }
            assertEquals(expected, kept(fast), "top_p " + p);
            for (int i = 0; i < expected; i++) {
                assertTrue(fast[order[i]] != NEG);
            }
        }
    }

    @Test
    void minPKeepsTokensAtLeastMinPTimesTheMostLikely() {
        float[] a = fourWay();
        new LogitsProcessor.MinP(0.2).apply(a, none());
        // threshold 0.2 * 0.5 = 0.1: 0.5, 0.3 and 0.15 stay, 0.05 goes
        assertEquals(3, kept(a));
        assertEquals(NEG, a[3]);
        float[] b = fourWay();
        new LogitsProcessor.MinP(0.7).apply(b, none());
        assertEquals(1, kept(b));
        float[] c = fourWay();
        new LogitsProcessor.MinP(0).apply(c, none());
        assertArrayEquals(fourWay(), c);
    }

    @Test
    void temperatureDividesTheLogits() {
        float[] logits = {2f, -1f, 0.5f};
        new LogitsProcessor.Temperature(0.5).apply(logits, none());
        assertArrayEquals(new float[] {4f, -2f, 1f}, logits, 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> new LogitsProcessor.Temperature(0));
    }

    @Test
    void temperatureTowardsZeroSamplesTheArgmax() {
        float[] logits = {0.3f, 1.0f, 0.99f, -2f};
        SamplingParams cold = SamplingParams.builder().temperature(1e-3).build();
        SamplerChain chain = SamplerChain.of(cold, new SplittableRandom(1));
        for (int i = 0; i < 500; i++) {
            assertEquals(1, chain.next(logits, none()));
        }
        SamplerChain greedy = SamplerChain.of(SamplingParams.greedy(1), new SplittableRandom(1));
        assertTrue(greedy.sampler() instanceof Sampler.Argmax);
        assertEquals(1, greedy.next(logits, none()));
        // at temperature 1 the runner-up does come up
        SamplerChain warm = SamplerChain.of(SamplingParams.builder().build(), new SplittableRandom(1));
        int others = 0;
        for (int i = 0; i < 500; i++) {
            others += warm.next(logits, none()) != 1 ? 1 : 0;
        }
        assertTrue(others > 100, "others " + others);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        float[] logits = {2f, -2f, 1f, 0.5f};
        TokenHistory history = new TokenHistory(new int[] {0});
        history.addGenerated(1);
        new LogitsProcessor.RepetitionPenalty(2).apply(logits, history);
        assertArrayEquals(new float[] {1f, -4f, 1f, 0.5f}, logits);
    }

    @Test
    void presenceAndFrequencyPenaltiesFollowOpenAi() {
        float[] logits = {2f, -2f, 1f, 0.5f};
        TokenHistory history = new TokenHistory(new int[] {0, 1});
        history.addGenerated(2);
        history.addGenerated(2);
        history.addGenerated(2);
        history.addGenerated(3);
        new LogitsProcessor.PresenceFrequencyPenalty(0.5, 0.25).apply(logits, history);
        // prompt tokens untouched; token 2: 1 - (3 * 0.25 + 0.5); token 3: 0.5 - (0.25 + 0.5)
        assertArrayEquals(new float[] {2f, -2f, -0.25f, -0.25f}, logits, 1e-6f);
    }

    @Test
    void theChainAppliesPenaltiesBeforeTheArgmax() {
        float[] logits = {2f, 1.9f, 0f};
        TokenHistory history = new TokenHistory(new int[0]);
        history.addGenerated(0);
        SamplerChain chain = SamplerChain.of(SamplingParams.builder().temperature(0).presencePenalty(0.5).build(),
                new SplittableRandom(1));
        assertEquals(1, chain.next(logits, history));
        assertEquals(2f, logits[0], "the raw logits are left alone");
    }

    @Test
    void categoricalDrawsFollowTheSoftmax() {
        float[] logits = fourWay();
        Sampler sampler = new Sampler.Categorical(new SplittableRandom(42));
        int[] counts = new int[4];
        int draws = 40_000;
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(logits)]++;
        }
        double[] expected = {0.5, 0.3, 0.15, 0.05};
        for (int i = 0; i < 4; i++) {
            double sd = Math.sqrt(expected[i] * (1 - expected[i]) / draws);
            assertEquals(expected[i], counts[i] / (double) draws, 5 * sd, "token " + i);
        }
        float[] masked = {NEG, 0f, NEG};
        assertEquals(1, sampler.sample(masked));
    }

    @Test
    void rankingMatchesAFullSortOnBothPaths() {
        SplittableRandom random = new SplittableRandom(5);
        float[] values = new float[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(50) - 25 + (random.nextBoolean() ? 0.5f : 0f);
        }
        values[7] = NEG;
        values[8] = -0.0f;
        values[9] = 0.0f;
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> values[x] != values[y] ? Float.compare(values[y], values[x]) : x - y);
        for (int count : new int[] {1, 5, 100, 1000}) {
            int[] ids = Ranking.descending(values, count);
            for (int i = 0; i < count; i++) {
                assertEquals(order[i], ids[i], "count " + count + " rank " + i);
            }
        }
    }

    @Test
    void paramsAreValidatedWithTheFieldsName() {
        assertEquals("top_p must be in (0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.builder().topP(1.5).build())
                        .getMessage());
        assertMessageStartsWith("temperature", () -> SamplingParams.builder().temperature(-0.1).build());
        assertMessageStartsWith("top_k", () -> SamplingParams.builder().topK(-1).build());
        assertMessageStartsWith("min_p", () -> SamplingParams.builder().minP(1.1).build());
        assertMessageStartsWith("repetition_penalty", () -> SamplingParams.builder().repetitionPenalty(0).build());
        assertMessageStartsWith("presence_penalty", () -> SamplingParams.builder().presencePenalty(2.5).build());
        assertMessageStartsWith("frequency_penalty", () -> SamplingParams.builder().frequencyPenalty(-3).build());
        assertMessageStartsWith("max_tokens", () -> SamplingParams.builder().maxTokens(-1).build());
        assertMessageStartsWith("n must", () -> SamplingParams.builder().n(0).build());
        assertMessageStartsWith("logprobs", () -> SamplingParams.builder().logprobs(21).build());
        assertMessageStartsWith("stop", () -> SamplingParams.builder().stop(java.util.List.of("")).build());
        assertMessageStartsWith("temperature", () -> SamplingParams.builder().temperature(Double.NaN).build());
        SamplingParams ok = SamplingParams.builder().topP(1).minP(0).logprobs(20).n(3).build();
        assertEquals(ok, ok.toBuilder().build());
    }

    private static void assertMessageStartsWith(String field, org.junit.jupiter.api.function.Executable build) {
        String message = assertThrows(IllegalArgumentException.class, build).getMessage();
        assertTrue(message.startsWith(field), message);
    }
}
