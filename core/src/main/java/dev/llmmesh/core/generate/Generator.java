package dev.llmmesh.core.generate;

import dev.llmmesh.core.model.GptModel;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One completion request, start to end: its {@code n} samples decode together in a {@link BatchDecoder} sized for
 * them, each with its own seed derived from the request's.
 */
public final class Generator {
    private Generator() {
    }

    /** A finished request: one output per sample, in order, and the seed the samples were derived from. */
    public record Completion(List<SequenceOutput> choices, long seed) {
        public Completion {
            choices = List.copyOf(choices);
        }
    }

    /**
     * @param text token bytes, for stop sequences and the output text; null to work on tokens alone
     */
    public static Completion complete(GptModel model, TokenText text, int[] prompt, SamplingParams params) {
        long seed = params.seed() != null ? params.seed() : new SplittableRandom().nextLong();
        long[] seeds = sampleSeeds(seed, params.n());
        int capacity = (int) Math.min(model.config().contextLength(), (long) prompt.length + params.maxTokens());
        SequenceOutput[] outputs = new SequenceOutput[params.n()];
        try (BatchDecoder decoder = new BatchDecoder(model, text, params.n(), Math.max(1, capacity))) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < params.n(); i++) {
                ids.add(decoder.submit(prompt, params, seeds[i]));
            }
            while (!decoder.idle()) {
                for (StepEvent event : decoder.step()) {
                    if (event.finished()) {
                        outputs[ids.indexOf(event.sequence())] = event.output();
                    }
                }
            }
        }
        return new Completion(List.of(outputs), seed);
    }

    /** Sample i's seed: the i-th draw of a generator seeded with the request's seed. */
    public static long[] sampleSeeds(long seed, int n) {
        SplittableRandom root = new SplittableRandom(seed);
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = root.nextLong();
        }
        return seeds;
    }
}
