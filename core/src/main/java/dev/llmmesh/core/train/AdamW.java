package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.NoGrad;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter), numerically the update of
 * {@code torch.optim.AdamW}, with decay restricted to matrices.
 *
 * <p>DJL's own AdamW decays every parameter; decaying LayerNorm gains and biases pulls them towards 0 for
 * no regularising benefit (nanoGPT's {@code configure_optimizers} splits the same way: {@code dim >= 2}).
 */
public final class AdamW implements AutoCloseable {

    private final SequencedMap<String, NDArray> parameters;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Set<String> decayed = new LinkedHashSet<>();
    private final NDManager stateManager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long steps;

    public AdamW(SequencedMap<String, NDArray> parameters, double beta1, double beta2, double eps,
                 double weightDecay, boolean decayEmbeddings) {
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("no parameters to optimize");
        }
        this.parameters = parameters;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        // Moments live next to the weights (same device), in a manager the optimizer owns.
        this.stateManager = parameters.firstEntry().getValue().getManager().newSubManager();
        for (var entry : parameters.entrySet()) {
            NDArray p = entry.getValue();
            firstMoments.put(entry.getKey(), stateManager.zeros(p.getShape(), DataType.FLOAT32));
            secondMoments.put(entry.getKey(), stateManager.zeros(p.getShape(), DataType.FLOAT32));
            if (decays(entry.getKey(), p.getShape(), decayEmbeddings)) {
                decayed.add(entry.getKey());
            }
        }
    }

    public static AdamW of(SequencedMap<String, NDArray> parameters, TrainConfig config) {
        return new AdamW(parameters, config.beta1(), config.beta2(), config.eps(), config.weightDecay(),
                config.decayEmbeddings());
    }

    /**
     * Whether a parameter gets weight decay: 2-D weights (attention and MLP matrices) do; biases and
     * LayerNorm gains (1-D) never do; token/position embeddings do only when asked.
     */
    public static boolean decays(String name, Shape shape, boolean decayEmbeddings) {
        if (shape.dimension() < 2) {
            return false;
        }
        return decayEmbeddings || !(name.endsWith("wte.weight") || name.endsWith("wpe.weight"));
    }

    public boolean decays(String name) {
        return decayed.contains(name);
    }

    /** Updates taken so far; the bias correction depends on it. */
    public long steps() {
        return steps;
    }

    /**
     * One update of every parameter from its gradient.
     *
     * @param gradients by parameter name, already averaged over the batch (and clipped)
     */
    public void step(double learningRate, Map<String, NDArray> gradients) {
        steps++;
        double biasCorrection1 = 1 - Math.pow(beta1, steps);
        double biasCorrection2 = 1 - Math.pow(beta2, steps);
        double stepSize = learningRate / biasCorrection1;
        float decayFactor = (float) (1 - learningRate * weightDecay);
        try (NoGrad ignored = NoGrad.enter()) {
            for (var entry : parameters.entrySet()) {
                String name = entry.getKey();
                NDArray p = entry.getValue();
                NDArray g = gradients.get(name);
                if (g == null) {
                    throw new IllegalArgumentException("no gradient for parameter " + name);
                }
                NDArray m = firstMoments.get(name);
                NDArray v = secondMoments.get(name);
                // DJL puts a result in its first operand's manager, here the optimizer's or the model's
                // long-lived one; closing each temporary at once keeps them from accumulating there.
                try (NDArray scaledGradient = g.mul((float) (1 - beta1));
                     NDArray scaledSquare = g.square()) {
                    m.muli((float) beta1).addi(scaledGradient);
                    v.muli((float) beta2).addi(scaledSquare.muli((float) (1 - beta2)));
                }
                if (weightDecay > 0 && decayed.contains(name)) {
                    p.muli(decayFactor);
                }
                // torch: denom = sqrt(v) / sqrt(bc2) + eps; p -= (lr / bc1) * m / denom
                try (NDArray denominator = v.sqrt(); NDArray update = m.mul((float) stepSize)) {
                    denominator.divi((float) Math.sqrt(biasCorrection2)).addi((float) eps);
                    p.subi(update.divi(denominator));
                }
            }
        }
    }

    /**
     * The optimizer state for a checkpoint: {@code m.<param>} and {@code v.<param>} (live arrays owned by
     * this optimizer: read, do not close) and {@code step}, a new int64 scalar in {@code manager}.
     */
    public SequencedMap<String, NDArray> state(NDManager manager) {
        SequencedMap<String, NDArray> state = new LinkedHashMap<>();
        state.put("step", manager.create(steps));
        firstMoments.forEach((name, m) -> state.put("m." + name, m));
        secondMoments.forEach((name, v) -> state.put("v." + name, v));
        return state;
    }

    /** Copies a state written by {@link #state} into this optimizer; shapes must match. */
    public void load(Map<String, NDArray> state) {
        NDArray step = state.get("step");
        if (step == null) {
            throw new IllegalArgumentException("optimizer state has no 'step'");
        }
        try (NoGrad ignored = NoGrad.enter()) {
            copyInto(state, "m.", firstMoments);
            copyInto(state, "v.", secondMoments);
        }
        steps = step.toArray()[0].longValue();
    }

    private static void copyInto(Map<String, NDArray> state, String prefix, Map<String, NDArray> targets) {
        for (var entry : targets.entrySet()) {
            String key = prefix + entry.getKey();
            NDArray source = state.get(key);
            if (source == null) {
                throw new IllegalArgumentException("optimizer state has no '" + key + "'");
            }
            NDArray target = entry.getValue();
            if (!source.getShape().equals(target.getShape())) {
                throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + source.getShape()
                        + ", the parameter has " + target.getShape());
            }
            target.set(new NDIndex("..."), source);
        }
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
