package dev.llmmesh.core.finetune;

import ai.djl.Device;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;

import java.util.List;
import java.util.SplittableRandom;

/** Small helpers shared by the fine-tuning tests. */
final class FinetuneTesting {
    /** 53 tokens, 16 positions, width 24, 2 layers, 3 heads: builds and trains in moments. */
    static final GptConfig SMALL = new GptConfig(53, 16, 24, 2, 3, 0.0, 1e-5);
    static final List<String> LABELS = List.of("ham", "spam", "eggs");

    private FinetuneTesting() {
    }

    static ClassifierModel classifier(long seed) {
        return classifier(seed, Pooling.DEFAULT);
    }

    static ClassifierModel classifier(long seed, Pooling pooling) {
        return classifier(seed, pooling, Truncation.DEFAULT);
    }

    /** A classifier reading at most 12 tokens, padding with 50. */
    static ClassifierModel classifier(long seed, Pooling pooling, Truncation truncation) {
        return ClassifierModel.fromBase(GptModel.initialize(SMALL, Device.cpu(), seed), LABELS, 12, 50, pooling,
                truncation, seed + 1);
    }

    /** Deterministic pseudo-random token ids below {@code vocab}. */
    static int[] tokens(int count, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
