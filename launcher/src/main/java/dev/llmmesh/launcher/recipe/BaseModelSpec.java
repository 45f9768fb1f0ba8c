package dev.llmmesh.launcher.recipe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recipes' shared base model: one GPT with the GPT-2 tokenizer, pretrained once on the bundled corpora
 * (Moby-Dick and Jane Austen's six novels) and reused by every recipe. Its id spells out every setting, so a
 * changed setting makes a new base instead of quietly reusing one trained otherwise.
 *
 * <p>Why this shape ({@link #DEFAULT}: width 256, 6 layers, 4 heads of 64, context 256, 400 steps of 8 x 256
 * tokens): the GPT-2 vocabulary makes the tied head the biggest cost of a narrow model, 6 x 50,257 x C FLOPs a
 * token, so width is what must stay small. By 6N + 12LTC FLOPs a token (BENCHMARKS.md's formula) this shape has
 * N = 17,670,400 parameters and costs 0.111 GFLOP a token, 59% of the {@code 30m} shape's 0.187. That shape
 * trains at 548 tokens/s on this 2-core machine (102.6 GFLOP/s, MFU 57%); at the same FLOP rate this one would
 * make 926 tokens/s, and at an MFU a quarter lower (the vocabulary-sized softmax weighs more in a narrower
 * model) about 700. 400 steps of 2,048 tokens are 819,200 tokens (about 0.6 of the 1.3 M-token corpus): 15
 * minutes at 926 tokens/s, 20 at 700, 25 at 548, plus some 5% for the validation passes, so within the 30
 * minutes the issue allows even at the wider model's rate. Fewer layers would save little (4 instead of 6:
 * 10% fewer FLOPs), the head dominates.
 *
 * @param steps optimizer steps of the pretrain run; {@code --base-steps} lowers it for quick runs (and so makes
 *              a base of its own)
 */
public record BaseModelSpec(int embedDim, int layers, int heads, int contextLength, int batchSize, int steps) {
    /** Bumped when what the base is trained on or how changes beyond the fields below (corpus, schedule). */
    public static final int VERSION = 1;
    public static final int DEFAULT_STEPS = 400;
    public static final BaseModelSpec DEFAULT = new BaseModelSpec(256, 6, 4, 256, 8, DEFAULT_STEPS);

    public BaseModelSpec {
        positive("embedDim", embedDim);
        positive("layers", layers);
        positive("heads", heads);
        positive("batchSize", batchSize);
        positive("--base-steps", steps);
        if (embedDim % heads != 0) {
            throw new IllegalArgumentException("embedDim " + embedDim + " must be a multiple of heads " + heads);
        }
        if (contextLength < 256) {
            // A recipe's examples (a mail, an instruction and its answer) need room; the issue asks for 256.
            throw new IllegalArgumentException("the recipes' base needs a context of at least 256, got " + contextLength);
        }
    }

    public BaseModelSpec withSteps(int steps) {
        return new BaseModelSpec(embedDim, layers, heads, contextLength, batchSize, steps);
    }

    /** {@code recipes-base-v1-c256-l6-h4-t256-b8-s400}. */
    public String modelId() {
        return "recipes-base-v%d-c%d-l%d-h%d-t%d-b%d-s%d".formatted(VERSION, embedDim, layers, heads, contextLength,
                batchSize, steps);
    }

    public long tokensPerStep() {
        return (long) batchSize * contextLength;
    }

    public long trainingTokens() {
        return tokensPerStep() * steps;
    }

    /** The pretrain job's {@code shape}: no dropout, as a short run on a small corpus has nothing to regularize. */
    public Map<String, Object> shape() {
        Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("contextLength", contextLength);
        shape.put("embedDim", embedDim);
        shape.put("layers", layers);
        shape.put("heads", heads);
        shape.put("dropout", 0.0);
        return shape;
    }

    /**
     * The pretrain job's {@code hyperparameters}: nanoGPT's small-model settings (peak 1e-3 decaying to 1e-4) with
     * a warmup of a tenth of the run, and about eight validation passes so the loss curve has points.
     */
    public Map<String, Object> hyperparameters() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("batchSize", batchSize);
        h.put("contextLength", contextLength);
        h.put("learningRate", 0.001);
        h.put("minLearningRate", 0.0001);
        h.put("warmupSteps", Math.max(1, steps / 10));
        h.put("evalEvery", Math.max(1, steps / 8));
        h.put("evalBatches", 8);
        h.put("checkpointEvery", Math.max(1, steps / 4));
        h.put("seed", 1337);
        return h;
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be at least 1, got " + value);
        }
    }
}
