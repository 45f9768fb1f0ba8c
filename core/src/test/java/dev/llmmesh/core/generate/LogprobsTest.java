package dev.llmmesh.core.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogprobsTest {
    private static final int[] PROMPT = {5, 17, 42, 8, 61, 3};
    private static GptModel model;

    @BeforeAll
    static void load() {
        model = GptModel.initialize(GenerationTest.CONFIG, Device.cpu(), 23);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** log-softmax of a plain full-sequence forward, [T, V] on the host. */
    private static float[][] reference(int[] sequence) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray logits = model.forward(m.create(sequence, new Shape(1, sequence.length)), false);
            float[] flat = logits.logSoftmax(-1).toFloatArray();
            int vocab = GenerationTest.CONFIG.vocabSize();
            float[][] rows = new float[sequence.length][];
            for (int t = 0; t < sequence.length; t++) {
                rows[t] = Arrays.copyOfRange(flat, t * vocab, (t + 1) * vocab);
            }
            return rows;
        }
    }

    @Test
    void generatedAndEchoedLogprobsEqualAFullForwardsLogSoftmax() {
        SamplingParams params = SamplingParams.builder().maxTokens(6).temperature(0.7).topK(5).seed(3L)
                .logprobs(5).echo(true).build();
        SequenceOutput out = Generator.complete(model, null, PROMPT, params).choices().getFirst();
        int[] all = new int[PROMPT.length + out.tokens().length];
        System.arraycopy(PROMPT, 0, all, 0, PROMPT.length);
        System.arraycopy(out.tokens(), 0, all, PROMPT.length, out.tokens().length);
        float[][] ref = reference(all);

        List<TokenLogprob> prompt = out.promptLogprobs();
        assertEquals(PROMPT.length, prompt.size());
        assertNull(prompt.getFirst(), "nothing predicts the first prompt token");
        for (int t = 1; t < PROMPT.length; t++) {
            assertLogprob(ref[t - 1], PROMPT[t], prompt.get(t), 5);
        }
        assertEquals(6, out.logprobs().size());
        for (int i = 0; i < out.tokens().length; i++) {
            int position = PROMPT.length + i;
            // raw distribution: the temperature and top-k used for sampling do not enter
            assertLogprob(ref[position - 1], out.tokens()[i], out.logprobs().get(i), 5);
        }
    }

    @Test
    void scoringAPromptAloneIsTheLogLikelihoodLmEvalNeeds() {
        SamplingParams score = SamplingParams.builder().maxTokens(0).echo(true).logprobs(0).build();
        SequenceOutput out = Generator.complete(model, null, PROMPT, score).choices().getFirst();
        assertEquals(0, out.tokens().length);
        float[][] ref = reference(PROMPT);
        double sum = 0;
        double expected = 0;
        for (int t = 1; t < PROMPT.length; t++) {
            assertTrue(out.promptLogprobs().get(t).top().isEmpty());
            sum += out.promptLogprobs().get(t).logprob();
            expected += ref[t - 1][PROMPT[t]];
        }
        assertEquals(expected, sum, 1e-4);
        assertNull(Generator.complete(model, null, PROMPT, SamplingParams.greedy(2)).choices().getFirst().logprobs());
    }

    /** A window of context + 1 tokens, as a trainer's validation scores it: its last token is only a target. */
    @Test
    void aScoredPromptMayHoldOneTokenMoreThanTheModelsPositions() {
        int context = GenerationTest.CONFIG.contextLength();
        int[] window = new int[context + 1];
        for (int t = 0; t < window.length; t++) {
            window[t] = (t * 37 + 11) % GenerationTest.CONFIG.vocabSize();
        }
        SamplingParams score = SamplingParams.builder().maxTokens(0).echo(true).logprobs(2).build();
        float[][] ref = reference(Arrays.copyOf(window, context));
        try (BatchDecoder decoder = new BatchDecoder(model, null, 1, context)) {
            decoder.submit(window, score, 0);
            List<TokenLogprob> scored = GenerationTest.drain(decoder).getFirst().promptLogprobs();
            assertEquals(window.length, scored.size());
            for (int t = 1; t < window.length; t++) {
                assertLogprob(ref[t - 1], window[t], scored.get(t), 2);
            }
            var generating = SamplingParams.builder().maxTokens(1).echo(true).logprobs(2).build();
            assertThrows(IllegalArgumentException.class, () -> decoder.submit(window, generating, 0),
                    "a prompt that is also an input to a generated token must fit the positions");
        }
    }

    @Test
    void topAlternativesAreTheMostLikelyInOrder() {
        float[] logits = {0f, 2f, 1f, 3f, -1f};
        TokenLogprob lp = Logprobs.of(logits, 2, 3);
        double z = Math.log(Math.exp(0) + Math.exp(2) + Math.exp(1) + Math.exp(3) + Math.exp(-1));
        assertEquals(1 - z, lp.logprob(), 1e-6);
        assertEquals(List.of(3, 1, 2), lp.top().stream().map(TokenLogprob.Alternative::token).toList());
        assertEquals(3 - z, lp.top().getFirst().logprob(), 1e-6);
    }

    private static void assertLogprob(float[] refRow, int token, TokenLogprob actual, int top) {
        assertEquals(token, actual.token());
        assertEquals(refRow[token], actual.logprob(), 1e-4, "token " + token);
        assertEquals(top, actual.top().size());
        int[] order = Ranking.descending(refRow, top);
        for (int i = 0; i < top; i++) {
            assertEquals(refRow[order[i]], actual.top().get(i).logprob(), 1e-4);
            assertEquals(refRow[actual.top().get(i).token()], actual.top().get(i).logprob(), 1e-4);
        }
    }
}
