package dev.llmmesh.core.generate;

import ai.djl.Device;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationTest {
    static final GptConfig CONFIG = new GptConfig(97, 32, 32, 2, 4, 0.0, 1e-5);
    /** Token t reads as two letters, so every token boundary falls inside the text. */
    static final TokenText TEXT = t -> (String.valueOf((char) ('a' + t % 26)) + (char) ('A' + t / 26))
            .getBytes(StandardCharsets.UTF_8);
    private static final int[] PROMPT = {5, 17, 42, 8};

    private static GptModel model;

    @BeforeAll
    static void load() {
        model = GptModel.initialize(CONFIG, Device.cpu(), 21);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static SequenceOutput one(SamplingParams params) {
        return Generator.complete(model, TEXT, PROMPT, params).choices().getFirst();
    }

    @Test
    void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        SamplingParams params = SamplingParams.builder().maxTokens(20).temperature(1.0).seed(7L).build();
        SequenceOutput a = one(params);
        SequenceOutput b = one(params);
        assertEquals(20, a.tokens().length);
        assertArrayEquals(a.tokens(), b.tokens());
        assertEquals(a.text(), b.text());
        SequenceOutput c = one(params.toBuilder().seed(8L).build());
        assertFalse(Arrays.equals(a.tokens(), c.tokens()), "a random model at temperature 1 is nearly uniform");
    }

    @Test
    void nSamplesAreIndependentAndEachReproducibleFromItsDerivedSeed() {
        SamplingParams params = SamplingParams.builder().maxTokens(12).seed(99L).n(3).build();
        Generator.Completion completion = Generator.complete(model, TEXT, PROMPT, params);
        assertEquals(3, completion.choices().size());
        assertEquals(99L, completion.seed());
        List<int[]> tokens = completion.choices().stream().map(SequenceOutput::tokens).toList();
        assertFalse(Arrays.equals(tokens.get(0), tokens.get(1)));
        assertFalse(Arrays.equals(tokens.get(1), tokens.get(2)));
        long[] seeds = Generator.sampleSeeds(99L, 3);
        for (int i = 0; i < 3; i++) {
            // sample i is exactly one sequence decoded alone with the i-th derived seed
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength())) {
                decoder.submit(PROMPT, params, seeds[i]);
                SequenceOutput direct = drain(decoder).getFirst();
                assertArrayEquals(tokens.get(i), direct.tokens(), "sample " + i);
            }
        }
        assertArrayEquals(tokens.get(0), Generator.complete(model, TEXT, PROMPT, params).choices().get(0).tokens());
    }

    @Test
    void greedyMatchesTheGreedyHelperAndIgnoresTheSeed() {
        SamplingParams greedy = SamplingParams.greedy(10);
        assertArrayEquals(Greedy.generate(model, PROMPT, 10), one(greedy).tokens());
        assertArrayEquals(one(greedy.toBuilder().seed(1L).build()).tokens(),
                one(greedy.toBuilder().seed(2L).build()).tokens());
    }

    @Test
    void aStopSequenceAcrossATokenBoundaryEndsTheTextBeforeIt() {
        // sampled, not greedy: a random model's greedy text soon repeats one token
        SamplingParams sampled = SamplingParams.builder().maxTokens(20).seed(5L).build();
        SequenceOutput free = one(sampled);
        String text = free.text();
        assertEquals(40, text.length());
        // a stop made of the last letter of token k and the first of token k + 1, its first occurrence there
        String stop = null;
        int at = -1;
        for (int k = 3; k < 19 && stop == null; k++) {
            String candidate = text.substring(2 * k + 1, 2 * k + 3);
            if (text.indexOf(candidate) == 2 * k + 1) {
                stop = candidate;
                at = 2 * k + 1;
            }
        }
        assertTrue(stop != null, text);
        SamplingParams params = sampled.toBuilder().stop(List.of(stop, "##")).build();
        List<StepEvent> events = new ArrayList<>();
        try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength())) {
            decoder.submit(PROMPT, params, Generator.sampleSeeds(5L, 1)[0]);
            while (!decoder.idle()) {
                events.addAll(decoder.step());
            }
        }
        StepEvent last = events.getLast();
        assertEquals(FinishReason.STOP, last.finish());
        assertEquals(text.substring(0, at), last.output().text());
        assertEquals(text.substring(0, at),
                String.join("", events.stream().map(StepEvent::text).toList()), "the streamed pieces add up");
        // generation stopped with the token that completed the stop text; its tokens are still reported
        int stopTokens = (at + 2 + 1) / 2;
        assertEquals(stopTokens, last.output().tokens().length);
        assertArrayEquals(Arrays.copyOf(free.tokens(), stopTokens), last.output().tokens());
        for (StepEvent e : events.subList(0, events.size() - 1)) {
            assertNull(e.finish());
            assertFalse(e.text().contains(stop));
        }
    }

    @Test
    void stopTokensMaxTokensAndAFullContextEndTheSequence() {
        SequenceOutput free = one(SamplingParams.greedy(8));
        int stopToken = free.tokens()[4];
        int firstAt = 0;
        while (free.tokens()[firstAt] != stopToken) {
            firstAt++;
        }
        SequenceOutput stopped = one(SamplingParams.greedy(8).toBuilder().stopTokenIds(List.of(stopToken)).build());
        assertEquals(FinishReason.STOP, stopped.finish());
        assertEquals(firstAt + 1, stopped.tokens().length);
        assertEquals(free.text().substring(0, 2 * firstAt), stopped.text(), "the stop token's text is left out");

        assertEquals(FinishReason.LENGTH, free.finish());
        assertEquals(8, free.tokens().length);

        // 4 prompt tokens + 40 wanted do not fit a context of 32: the last fitting token ends it
        SequenceOutput full = one(SamplingParams.greedy(40));
        assertEquals(FinishReason.LENGTH, full.finish());
        assertEquals(CONFIG.contextLength() - PROMPT.length + 1, full.tokens().length);

        SequenceOutput none = one(SamplingParams.builder().maxTokens(0).build());
        assertEquals(0, none.tokens().length);
        assertEquals(FinishReason.LENGTH, none.finish());
    }

    @Test
    void penaltiesChangeWhatIsGenerated() {
        SequenceOutput plain = one(SamplingParams.greedy(24));
        SequenceOutput penalised = one(SamplingParams.greedy(24).toBuilder().frequencyPenalty(2).build());
        assertNotEquals(Arrays.toString(plain.tokens()), Arrays.toString(penalised.tokens()));
        long distinctPlain = Arrays.stream(plain.tokens()).distinct().count();
        long distinctPenalised = Arrays.stream(penalised.tokens()).distinct().count();
        assertTrue(distinctPenalised >= distinctPlain, distinctPlain + " -> " + distinctPenalised);
    }

    @Test
    void badRequestsAreRefused() {
        try (BatchDecoder decoder = new BatchDecoder(model, null, 1, 16)) {
            assertThrows(IllegalArgumentException.class, () -> decoder.submit(new int[0], SamplingParams.greedy(1), 0));
            assertThrows(IllegalArgumentException.class, () -> decoder.submit(new int[17], SamplingParams.greedy(1), 0));
            assertThrows(IllegalArgumentException.class, () -> decoder.submit(new int[] {97}, SamplingParams.greedy(1), 0));
            assertThrows(IllegalArgumentException.class, () -> decoder.submit(PROMPT,
                    SamplingParams.greedy(1).toBuilder().stop(List.of("x")).build(), 0));
            assertTrue(decoder.idle());
        }
    }

    static List<SequenceOutput> drain(BatchDecoder decoder) {
        List<SequenceOutput> outputs = new ArrayList<>();
        while (!decoder.idle()) {
            for (StepEvent event : decoder.step()) {
                if (event.finished()) {
                    outputs.add(event.output());
                }
            }
        }
        return outputs;
    }
}
