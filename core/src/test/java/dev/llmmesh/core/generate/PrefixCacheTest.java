package dev.llmmesh.core.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.KvCache;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.llmmesh.core.generate.GenerationTest.TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decoder with a prefix cache loads known prompt prefixes instead of computing them and still decodes exactly what
 * a full prefill decodes; a second decoder (another cache on the device, as on another replica) continues from what
 * the first one left.
 */
class PrefixCacheTest {
    /** Long enough for prompts of several blocks. */
    private static final GptConfig CONFIG = new GptConfig(97, 128, 32, 2, 4, 0.0, 1e-5);
    private static final int BLOCK = 16;

    /**
     * Whole blocks keyed by the prefix up to their end, the way a shared store names them; counts what it was
     * asked and what it kept.
     */
    private static final class BlockStore implements PrefixCache {
        final Map<List<Integer>, KvCache.Run> blocks = new HashMap<>();
        int lookups;

        @Override
        public List<KvCache.Run> find(int[] prompt) {
            lookups++;
            List<KvCache.Run> found = new ArrayList<>();
            for (int end = BLOCK; end < prompt.length; end += BLOCK) {
                KvCache.Run run = blocks.get(key(prompt, end));
                if (run == null) {
                    break;
                }
                found.add(run);
            }
            return found;
        }

        @Override
        public void prefilled(int[] prompt, int reused, KvCache cache, int slot) {
            assertEquals(prompt.length, cache.length(slot), "called once the whole prompt is in the slot");
            for (int from = reused; from + BLOCK < prompt.length; from += BLOCK) {
                blocks.put(key(prompt, from + BLOCK), cache.read(slot, from, BLOCK));
            }
        }

        private static List<Integer> key(int[] prompt, int end) {
            return Arrays.stream(prompt, 0, end).boxed().toList();
        }
    }

    private static int[] prompt(int length, int salt) {
        return IntStream.range(0, length).map(i -> (i * 31 + salt * (i >= 40 ? 7 : 0) + 3) % CONFIG.vocabSize())
                .toArray();
    }

    @Test
    void aDecoderWithAPrefixCacheDecodesWhatAFullPrefillDecodesAndSkipsTheReusedPositions() {
        int[] first = prompt(53, 0);
        int[] again = first.clone();
        int[] sibling = prompt(53, 1);
        assertArrayEquals(Arrays.copyOf(first, 40), Arrays.copyOf(sibling, 40), "they share 40 tokens");
        assertNotEquals(first[40], sibling[40]);
        SamplingParams sampled = SamplingParams.builder().maxTokens(12).temperature(0.9).topK(20).logprobs(3).build();
        List<int[]> prompts = List.of(first, again, sibling);
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 17)) {
            List<SequenceOutput> reference = new ArrayList<>();
            try (BatchDecoder plain = new BatchDecoder(model, TEXT, 2, CONFIG.contextLength())) {
                for (int i = 0; i < prompts.size(); i++) {
                    plain.submit(prompts.get(i), sampled, 100 + i);
                    reference.add(GenerationTest.drain(plain).getFirst());
                }
                assertEquals(0, plain.promptTokensReused());
                assertEquals(3 * 53, plain.promptTokensComputed());
            }

            BlockStore store = new BlockStore();
            List<SequenceOutput> cached = new ArrayList<>();
            // One decoder fills the store; another, with a cache of its own, continues from it.
            try (BatchDecoder one = new BatchDecoder(model, TEXT, 2, CONFIG.contextLength(), store)) {
                one.submit(first, sampled, 100);
                cached.add(GenerationTest.drain(one).getFirst());
                assertEquals(0, one.promptTokensReused(), "a cold store has nothing");
                assertEquals(53, one.promptTokensComputed());
            }
            assertEquals(3, store.blocks.size(), "positions 0-47 in whole blocks; the rest holds the last token");
            try (BatchDecoder two = new BatchDecoder(model, TEXT, 2, CONFIG.contextLength(), store)) {
                // Batched with each other: the reused slot decodes beside one that is mid-way.
                two.submit(again, sampled, 101);
                two.submit(sibling, sampled, 102);
                List<SequenceOutput> out = GenerationTest.drain(two);
                out.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
                cached.addAll(out);
                assertEquals(48 + 32, two.promptTokensReused(), "all three blocks of the same prompt, two of the"
                        + " sibling's (the third differs)");
                assertEquals((53 - 48) + (53 - 32), two.promptTokensComputed(), "only the rest went through the model");
            }
            assertEquals(4, store.blocks.size(), "the sibling's own third block was kept");

            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(reference.get(i).tokens(), cached.get(i).tokens(), "prompt " + i);
                assertEquals(reference.get(i).text(), cached.get(i).text());
                assertEquals(reference.get(i).finish(), cached.get(i).finish());
                List<TokenLogprob> want = reference.get(i).logprobs();
                List<TokenLogprob> got = cached.get(i).logprobs();
                assertEquals(want.size(), got.size());
                for (int t = 0; t < want.size(); t++) {
                    assertEquals(want.get(t).logprob(), got.get(t).logprob(), 1e-4, "prompt " + i + " token " + t);
                    for (int a = 0; a < want.get(t).top().size(); a++) {
                        assertEquals(want.get(t).top().get(a).token(), got.get(t).top().get(a).token());
                        assertEquals(want.get(t).top().get(a).logprob(), got.get(t).top().get(a).logprob(), 1e-4);
                    }
                }
            }
        }
    }

    @Test
    void theLoadedStatesAreWhatTheModelReadsNotARecomputation() {
        int[] prompt = prompt(40, 0);
        SamplingParams greedy = SamplingParams.greedy(1).toBuilder().logprobs(0).build();
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 17)) {
            BlockStore store = new BlockStore();
            float honest;
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength(), store)) {
                decoder.submit(prompt, greedy, 1);
                GenerationTest.drain(decoder);
                decoder.submit(prompt, greedy, 1);
                honest = GenerationTest.drain(decoder).getFirst().logprobs().getFirst().logprob();
                assertEquals(32, decoder.promptTokensReused());
            }
            // Scaled keys and values: had the decoder computed positions 0-31 itself, nothing would change.
            store.blocks.replaceAll((key, run) -> scaled(run, 3f));
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength(), store)) {
                decoder.submit(prompt, greedy, 1);
                float tampered = GenerationTest.drain(decoder).getFirst().logprobs().getFirst().logprob();
                assertTrue(Math.abs(honest - tampered) > 1e-3, honest + " vs " + tampered);
            }
        }
    }

    @Test
    void echoNeedsEveryPromptLogitSoItNeverReuses() {
        int[] prompt = prompt(40, 0);
        SamplingParams echo = SamplingParams.builder().maxTokens(3).logprobs(2).echo(true).build();
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 17)) {
            BlockStore store = new BlockStore();
            SequenceOutput plain;
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength())) {
                decoder.submit(prompt, echo, 9);
                plain = GenerationTest.drain(decoder).getFirst();
            }
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength(), store)) {
                decoder.submit(prompt, SamplingParams.greedy(1), 9);
                GenerationTest.drain(decoder);
                assertEquals(1, store.lookups);
                decoder.submit(prompt, echo, 9);
                SequenceOutput out = GenerationTest.drain(decoder).getFirst();
                assertEquals(1, store.lookups, "echo did not look up");
                assertEquals(0, decoder.promptTokensReused());
                assertArrayEquals(plain.tokens(), out.tokens());
                assertEquals(prompt.length, out.promptLogprobs().size());
                for (int t = 1; t < prompt.length; t++) {
                    assertEquals(plain.promptLogprobs().get(t).logprob(), out.promptLogprobs().get(t).logprob(), 1e-5);
                }
            }
        }
    }

    @Test
    void aCacheThatBreaksItsContractFailsThePrefillAndLeavesTheSlotEmpty() {
        int[] prompt = prompt(40, 0);
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 17)) {
            BlockStore store = new BlockStore();
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength(), store)) {
                decoder.submit(prompt, SamplingParams.greedy(1), 1);
                GenerationTest.drain(decoder);
            }
            List<KvCache.Run> runs = store.find(prompt);
            assertEquals(2, runs.size());
            PrefixCache gap = fixed(List.of(runs.get(1)));
            PrefixCache whole = fixed(runs);
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength(), gap)) {
                decoder.submit(prompt, SamplingParams.greedy(1), 1);
                assertThrows(IllegalStateException.class, decoder::step);
            }
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength(), whole)) {
                decoder.submit(Arrays.copyOf(prompt, 32), SamplingParams.greedy(1), 1);
                assertThrows(IllegalStateException.class, decoder::step, "32 positions of a 32-token prompt");
            }
        }
    }

    @Test
    void aRunReadFromOneCacheAppendsToAnotherExactly() {
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 17);
             KvCache a = model.newCache(2, 64);
             KvCache b = model.newCache(3, 64);
             NDManager scope = model.manager().newSubManager()) {
            int[] tokens = prompt(20, 0);
            NDArray ids = scope.create(tokens, new Shape(1, tokens.length));
            model.forward(ids, a, new int[] {1}, true).close();
            KvCache.Run head = a.read(1, 0, 8);
            KvCache.Run tail = a.read(1, 8, 12);
            assertEquals(List.of(2, 4, 8), List.of(head.layers(), head.heads(), head.headDim()));
            assertThrows(IllegalArgumentException.class, () -> b.append(2, tail), "a run must start at the length");
            assertEquals(0, b.length(2));
            b.append(2, head);
            b.append(2, tail);
            assertEquals(20, b.length(2));
            KvCache.Run back = b.read(2, 0, 20);
            KvCache.Run original = a.read(1, 0, 20);
            for (int layer = 0; layer < 2; layer++) {
                assertArrayEquals(original.keys()[layer], back.keys()[layer]);
                assertArrayEquals(original.values()[layer], back.values()[layer]);
            }
            assertThrows(IllegalArgumentException.class, () -> a.read(1, 10, 11), "beyond what the slot holds");
            try (KvCache small = model.newCache(1, 16)) {
                assertThrows(IllegalArgumentException.class, () -> small.append(0, back), "beyond its capacity");
                assertEquals(0, small.length(0));
            }
        }
    }

    private static PrefixCache fixed(List<KvCache.Run> runs) {
        return new PrefixCache() {
            @Override
            public List<KvCache.Run> find(int[] prompt) {
                return runs;
            }

            @Override
            public void prefilled(int[] prompt, int reused, KvCache cache, int slot) {
            }
        };
    }

    private static KvCache.Run scaled(KvCache.Run run, float factor) {
        float[][] keys = new float[run.layers()][];
        float[][] values = new float[run.layers()][];
        for (int layer = 0; layer < run.layers(); layer++) {
            keys[layer] = run.keys()[layer].clone();
            values[layer] = run.values()[layer].clone();
            for (int i = 0; i < keys[layer].length; i++) {
                keys[layer][i] *= factor;
                values[layer][i] *= factor;
            }
        }
        return new KvCache.Run(run.from(), run.length(), run.heads(), run.headDim(), keys, values);
    }
}
