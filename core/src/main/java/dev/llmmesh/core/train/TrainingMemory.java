package dev.llmmesh.core.train;

import dev.llmmesh.core.model.GptConfig;

import java.util.Locale;

/**
 * About how much memory a pretraining run holds at its peak, known before anything is allocated, so a run the
 * machine cannot hold is refused instead of being killed by the kernel part way through initialisation.
 *
 * <p>Everything is fp32. The state is four copies of the parameters: weights, gradients and AdamW's two moments.
 * Activations kept for the backward pass follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in
 * Large Transformer Models", section 4.1): {@code B T (34 C + 5 H T)} bytes per layer in 16-bit, doubled for
 * fp32; on top, the logits, their log-softmax and the gradient of each ({@code 3 B T V} floats). Gradient
 * accumulation adds nothing: each micro-batch's activations are freed before the next (see {@link PretrainRun}).
 * Left out: the libtorch and JVM runtime, the token stream, and short-lived temporaries; the capacity this is
 * compared with keeps a margin for them.
 *
 * @param parameters      trainable parameters (the LM head is tied to the token embedding)
 * @param stateBytes      weights, gradients and AdamW moments
 * @param activationBytes what one micro-batch's forward pass keeps for the backward pass
 */
public record TrainingMemory(long parameters, long stateBytes, long activationBytes) {
    private static final int FLOAT_BYTES = 4;
    /** Weights, gradients, AdamW first and second moments. */
    private static final int STATE_COPIES = 4;

    public static TrainingMemory of(GptConfig model, TrainConfig training) {
        long parameters = model.parameterCount();
        // doubles: batchSize x contextLength x width of an absurd job overflows a long; a cast saturates
        double tokens = (double) training.batchSize() * training.contextLength();
        double blocks = blockActivationBytes(model, training.batchSize(), training.contextLength()) * model.layers();
        double logits = 3.0 * tokens * model.vocabSize() * FLOAT_BYTES;
        return new TrainingMemory(parameters, (long) ((double) parameters * STATE_COPIES * FLOAT_BYTES),
                (long) (blocks + logits));
    }

    /**
     * What one block's forward keeps for the backward pass over {@code batchSize} rows of {@code length} tokens, in
     * fp32 (Korthikanti et al.'s 16-bit count, doubled). A double: an absurd job's count overflows a long.
     */
    public static double blockActivationBytes(GptConfig model, int batchSize, int length) {
        double tokens = (double) batchSize * length;
        return 2.0 * tokens * (34.0 * model.embedDim() + 5.0 * model.heads() * length);
    }

    /** Saturates at {@link Long#MAX_VALUE} rather than overflow. */
    public long totalBytes() {
        long total = stateBytes + activationBytes;
        return total < 0 ? Long.MAX_VALUE : total;
    }

    /** {@code bytes} in GiB with one decimal ({@code 25.3 GiB}), or whole MiB below 1 GiB ({@code 96 MiB}). */
    public static String readable(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : Math.round(bytes / (double) (1L << 20)) + " MiB";
    }
}
