package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;
import java.util.Objects;

/**
 * Next-token samples cut from one token stream: window {@code i} is the {@code contextLength + 1} tokens
 * starting at {@code i * stride}; its first {@code contextLength} tokens are the input, its last
 * {@code contextLength} the targets.
 *
 * <p>The split is by position: the last {@code validationFraction} of the windows are validation, and train
 * keeps only windows that end before the first validation window starts, so no token the model is scored on
 * was ever a training token (overlapping strides would otherwise leak across the boundary).
 *
 * <p>Training windows are visited in a fresh shuffled order each epoch. The order comes from a
 * {@link SplitMix64} whose state at the start of the current epoch is exposed by {@link #samplerState()}, so
 * {@link #position()} plus that state restores the exact sequence of batches. Not thread-safe.
 */
public final class TokenWindows {

    /** Inputs and targets, both int32 {@code [batch, contextLength]}. */
    public record Batch(NDArray x, NDArray y) implements AutoCloseable {
        @Override
        public void close() {
            x.close();
            y.close();
        }
    }

    private final int[] tokens;
    private final int contextLength;
    private final int stride;
    private final int trainWindows;
    private final int firstValidationWindow;
    private final int validationWindows;
    private final int maxToken;

    private final SplitMix64 rng;
    private long epochState;
    private int[] order;
    private int epoch;
    private int cursor;

    public TokenWindows(int[] tokens, int contextLength, int stride, double validationFraction, long seed) {
        if (contextLength <= 0 || stride <= 0) {
            throw new IllegalArgumentException("contextLength and stride must be positive, got " + contextLength
                    + ", " + stride);
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in [0, 1), got " + validationFraction);
        }
        int sample = contextLength + 1;
        if (tokens.length < sample) {
            throw new IllegalArgumentException("dataset has " + tokens.length
                    + " tokens, fewer than one sample of contextLength+1 = " + sample);
        }
        this.tokens = tokens;
        this.contextLength = contextLength;
        this.stride = stride;
        int windows = (tokens.length - sample) / stride + 1;
        validationWindows = validationFraction == 0 ? 0
                : Math.max(1, (int) Math.round(windows * validationFraction));
        firstValidationWindow = windows - validationWindows;
        long validationStart = (long) firstValidationWindow * stride;
        // train window i covers [i*stride, i*stride + sample): it must end at or before validationStart
        trainWindows = validationWindows == 0 ? windows
                : validationStart < sample ? 0 : (int) ((validationStart - sample) / stride + 1);
        if (trainWindows == 0) {
            throw new IllegalArgumentException("dataset has " + tokens.length + " tokens (" + windows
                    + " windows of contextLength+1 = " + sample + " every " + stride
                    + "): too few to hold out validationFraction " + validationFraction
                    + " and keep a training window before it");
        }
        int max = 0;
        for (int t : tokens) {
            if (t < 0) {
                throw new IllegalArgumentException("negative token id " + t);
            }
            max = Math.max(max, t);
        }
        maxToken = max;
        rng = new SplitMix64(seed);
        startEpoch(0);
    }

    public static TokenWindows of(int[] tokens, TrainConfig config) {
        return new TokenWindows(tokens, config.contextLength(), config.stride(), config.validationFraction(),
                config.seed());
    }

    /** Shards are concatenated in order, as one stream (a window may span a shard boundary). */
    public static TokenWindows of(List<int[]> shards, TrainConfig config) {
        return of(concatenate(shards), config);
    }

    static int[] concatenate(List<int[]> shards) {
        long total = 0;
        for (int[] shard : shards) {
            total += shard.length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("token stream of " + total + " tokens exceeds one Java array");
        }
        int[] all = new int[(int) total];
        int at = 0;
        for (int[] shard : shards) {
            System.arraycopy(shard, 0, all, at, shard.length);
            at += shard.length;
        }
        return all;
    }

    public int contextLength() {
        return contextLength;
    }

    public int stride() {
        return stride;
    }

    public int trainWindows() {
        return trainWindows;
    }

    public int validationWindows() {
        return validationWindows;
    }

    /** First token of training window {@code i} (in stream order, not shuffled order). */
    public long trainWindowStart(int i) {
        return (long) Objects.checkIndex(i, trainWindows) * stride;
    }

    public long validationWindowStart(int i) {
        return (long) (firstValidationWindow + Objects.checkIndex(i, validationWindows)) * stride;
    }

    /** The largest token id in the stream, to check against the model's vocabulary. */
    public int maxToken() {
        return maxToken;
    }

    /** The next {@code batchSize} windows of the shuffled order; crosses into a new epoch when needed. */
    public Batch nextTrainBatch(NDManager manager, int batchSize) {
        int[] starts = new int[batchSize];
        for (int b = 0; b < batchSize; b++) {
            if (cursor == order.length) {
                startEpoch(epoch + 1);
            }
            starts[b] = order[cursor++] * stride;
        }
        return batch(manager, starts);
    }

    /**
     * Validation batch {@code index}: windows {@code index*batchSize ..} in stream order, never wrapping around, so
     * every evaluation scores the same distinct samples and losses are comparable over a run. The last batch of
     * {@code limit} windows is smaller when {@code batchSize} does not divide it.
     *
     * @param limit how many validation windows a pass scores ({@link #validation(int)}'s count)
     */
    public Batch validationBatch(NDManager manager, int index, int batchSize, int limit) {
        if (validationWindows == 0) {
            throw new IllegalStateException("no validation windows (validationFraction is 0)");
        }
        int count = Math.min(limit, validationWindows);
        int first = Math.multiplyExact(index, batchSize);
        if (index < 0 || batchSize <= 0 || first >= count) {
            throw new IndexOutOfBoundsException("validation batch " + index + " of " + batchSize
                    + " windows is past the " + count + " windows scored");
        }
        int[] starts = new int[Math.min(batchSize, count - first)];
        for (int b = 0; b < starts.length; b++) {
            starts[b] = Math.toIntExact((firstValidationWindow + (long) first + b) * stride);
        }
        return batch(manager, starts);
    }

    /**
     * The held-out windows a validation pass of at most {@code maxWindows} windows scores: the first ones of the
     * validation tail, in stream order, each with all its {@code contextLength} targets.
     */
    public Validation validation(int maxWindows) {
        if (maxWindows <= 0) {
            throw new IllegalArgumentException("maxWindows must be positive, got " + maxWindows);
        }
        long start = validationWindows == 0 ? 0 : validationWindowStart(0);
        return new Validation(start, Math.min(maxWindows, validationWindows), contextLength, stride);
    }

    /**
     * Held-out windows by position in the token stream: window {@code i} is the {@code contextLength + 1} tokens
     * from {@code startToken + i * stride}; its input is the first {@code contextLength}, its targets the last
     * {@code contextLength}, all of them scored. {@code windows} is 0 when nothing is held out.
     */
    public record Validation(long startToken, int windows, int contextLength, int stride) {
        /** Tokens scored: every target of every window (windows may overlap when stride < contextLength). */
        public long targets() {
            return (long) windows * contextLength;
        }
    }

    public DataPosition position() {
        return new DataPosition(epoch, cursor);
    }

    /** PRNG state at the start of the current epoch: with {@link #position()} it fixes all later batches. */
    public long samplerState() {
        return epochState;
    }

    public void restore(DataPosition position, long samplerState) {
        if (position.cursor() > trainWindows) {
            throw new IllegalArgumentException("cursor " + position.cursor() + " is past the " + trainWindows
                    + " training windows of an epoch: the checkpoint was made on other data");
        }
        rng.setState(samplerState);
        startEpoch(position.epoch());
        cursor = position.cursor();
    }

    private void startEpoch(int newEpoch) {
        epochState = rng.state();
        order = rng.permutation(trainWindows);
        epoch = newEpoch;
        cursor = 0;
    }

    private Batch batch(NDManager manager, int[] starts) {
        int t = contextLength;
        int[] x = new int[starts.length * t];
        int[] y = new int[starts.length * t];
        for (int b = 0; b < starts.length; b++) {
            System.arraycopy(tokens, starts[b], x, b * t, t);
            System.arraycopy(tokens, starts[b] + 1, y, b * t, t);
        }
        Shape shape = new Shape(starts.length, t);
        return new Batch(manager.create(x, shape), manager.create(y, shape));
    }
}
