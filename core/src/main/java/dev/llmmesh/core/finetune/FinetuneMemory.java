package dev.llmmesh.core.finetune;

import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainingMemory;

/**
 * About how much memory a classification fine-tune holds at its peak, known before the base is loaded, so a job the
 * trainer cannot hold is refused at submission instead of failing part way through.
 *
 * <p>Every weight is held in fp32; only the trained ones have gradients and AdamW's two moments. Only the blocks
 * that train keep activations for the backward pass ({@link TrainingMemory#blockActivationBytes}): the frozen
 * blocks' outputs are not recorded, but one block's worth is alive while the forward passes through them. The
 * head's logits ({@code batch x labels}) are negligible, unlike pretraining's over the vocabulary.
 */
public final class FinetuneMemory {
    private static final int FLOAT_BYTES = 4;
    /** Gradient, AdamW first and second moment. */
    private static final int TRAINED_COPIES = 3;

    private FinetuneMemory() {
    }

    /** @param maxLength the tokens read of each example (the job's maxLength, at most the base's context) */
    public static TrainingMemory of(GptConfig base, int labels, Trainable trainable, int batchSize, int maxLength) {
        long trained = trainable.parameterCount(base, labels);
        long weights = base.parameterCount() + (long) labels * base.embedDim();
        double state = ((double) weights + (double) trained * TRAINED_COPIES) * FLOAT_BYTES;
        int keptBlocks = trainable == Trainable.ALL ? base.layers() : 1;
        double activations = TrainingMemory.blockActivationBytes(base, batchSize, maxLength) * keptBlocks;
        return new TrainingMemory(trained, (long) state, (long) activations);
    }
}
