package dev.llmmesh.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.llmmesh.core.model.LanguageModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Scores windows of a token stream with a model in this process: one forward pass over each window's tokens but the
 * last, log-softmax, and the log-probability of every scored target. The reference the served path (prompt logprobs
 * through inference-service) is checked and benchmarked against.
 */
public final class WindowScorer {
    private final LanguageModel model;
    private final int batchSize;

    /** @param batchSize windows of equal length run together in one forward pass */
    public WindowScorer(LanguageModel model, int batchSize) {
        this.model = Objects.requireNonNull(model, "model");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    /** Loss and perplexity of {@code tokens} over {@code windows}. */
    public PerplexityResult perplexity(int[] tokens, List<SlidingWindows.Window> windows) {
        LossTally tally = new LossTally();
        for (double[] scored : logProbs(tokens, windows)) {
            tally.add(scored);
        }
        return tally.result();
    }

    /** The natural-log probabilities of each window's scored targets, in window order. */
    public List<double[]> logProbs(int[] tokens, List<SlidingWindows.Window> windows) {
        List<double[]> out = new ArrayList<>(windows.size());
        int i = 0;
        while (i < windows.size()) {
            // a batch is a run of windows of one length (all of them but a plan's last)
            int length = windows.get(i).length();
            int j = i;
            while (j < windows.size() && j - i < batchSize && windows.get(j).length() == length) {
                j++;
            }
            out.addAll(batch(tokens, windows.subList(i, j)));
            i = j;
        }
        return out;
    }

    private List<double[]> batch(int[] tokens, List<SlidingWindows.Window> windows) {
        int inputs = windows.getFirst().contextUsed();
        if (inputs > model.config().contextLength()) {
            throw new IllegalArgumentException("windows condition on " + inputs + " tokens, more than the model's "
                    + "context of " + model.config().contextLength());
        }
        int[] x = new int[windows.size() * inputs];
        for (int b = 0; b < windows.size(); b++) {
            SlidingWindows.Window w = windows.get(b);
            if (w.end() > tokens.length) {
                throw new IllegalArgumentException("window [" + w.begin() + ", " + w.end() + ") runs past the "
                        + tokens.length + " tokens");
            }
            System.arraycopy(tokens, Math.toIntExact(w.begin()), x, b * inputs, inputs);
        }
        boolean gradMode = JniUtils.isGradMode();
        // libtorch's grad mode is per thread and on for new ones: scoring must not record a graph
        JniUtils.setGradMode(false);
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray logits = model.forward(scope.create(x, new Shape(windows.size(), inputs)), false);
            NDArray logProbs = logits.toType(DataType.FLOAT32, false).logSoftmax(-1);
            List<double[]> out = new ArrayList<>(windows.size());
            for (int b = 0; b < windows.size(); b++) {
                SlidingWindows.Window w = windows.get(b);
                int from = Math.toIntExact(w.scoredFrom() - w.begin());
                // logits at position t predict the token at t + 1
                int[] targets = new int[w.scored()];
                System.arraycopy(tokens, Math.toIntExact(w.scoredFrom()), targets, 0, targets.length);
                NDArray rows = logProbs.get(new NDIndex("{}, {}:{}", b, from - 1, inputs));
                NDArray index = scope.create(targets, new Shape(targets.length, 1)).toType(DataType.INT64, false);
                float[] picked = rows.gather(index, -1).toFloatArray();
                double[] scored = new double[picked.length];
                for (int t = 0; t < picked.length; t++) {
                    scored[t] = picked[t];
                }
                out.add(scored);
            }
            return out;
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
