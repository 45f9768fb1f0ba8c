package dev.llmmesh.core.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * How a token stream longer than a model's context is cut into windows to measure its perplexity.
 *
 * <p>{@link #plan} is the strided scheme of HuggingFace's "perplexity of fixed-length models": windows of at most
 * {@code contextLength} tokens start every {@code stride} tokens, and each scores only the targets the previous one
 * did not, so every token after the first is scored exactly once and, past the first window, with at least
 * {@code contextLength - stride} tokens of context. A smaller stride gives more context per prediction (a lower,
 * fairer perplexity) at more forward passes; that is why the stride is reported with the figure.
 *
 * <p>{@link #of} is the trainer's held-out windows instead: fixed windows of {@code contextLength + 1} tokens whose
 * every target is scored, which is what the trainer's validation loss averages.
 */
public final class SlidingWindows {

    private SlidingWindows() {
    }

    /**
     * Tokens {@code [begin, end)} of the stream, scored at the targets {@code p} with {@code scoredFrom <= p < end}:
     * each such target adds {@code log p(token[p] | tokens[begin, p))}. {@code scoredFrom > begin} always, since the
     * window's first token has no context within it. The last token of a window is only a target, so a model is
     * given at most {@code end - begin - 1} tokens to condition on (its {@link #contextUsed()}).
     */
    public record Window(long begin, long end, long scoredFrom) {
        public Window {
            if (!(begin < scoredFrom && scoredFrom < end)) {
                throw new IllegalArgumentException("need begin < scoredFrom < end, got " + begin + ", " + scoredFrom
                        + ", " + end);
            }
        }

        /** Tokens of the stream in the window. */
        public int length() {
            return Math.toIntExact(end - begin);
        }

        /** Targets the window scores. */
        public int scored() {
            return Math.toIntExact(end - scoredFrom);
        }

        /** The longest prefix a scored target is conditioned on: the model's context must hold this many tokens. */
        public int contextUsed() {
            return length() - 1;
        }

        /** Whether the window scores the target at stream position {@code p}. */
        public boolean scores(long p) {
            return scoredFrom <= p && p < end;
        }
    }

    /**
     * HuggingFace's strided windows over a stream of {@code tokenCount} tokens: window {@code k} holds tokens
     * {@code [k*stride, min(k*stride + contextLength, tokenCount))} and scores from the end of window {@code k-1}
     * (the first window scores all its targets); the last window ends at the stream's end and may be shorter. The
     * model sees at most {@code contextLength} tokens. Empty when the stream has fewer than two tokens.
     *
     * <p>The stride must be below {@code contextLength}: at {@code stride == contextLength} HuggingFace's loop leaves
     * the first token of every window after the first unscored (no window holds its context), and this plan promises
     * every target once.
     */
    public static List<Window> plan(int tokenCount, int contextLength, int stride) {
        if (tokenCount < 0) {
            throw new IllegalArgumentException("tokenCount must not be negative, got " + tokenCount);
        }
        if (contextLength < 2) {
            throw new IllegalArgumentException("contextLength must be at least 2 (a context and a target), got "
                    + contextLength);
        }
        if (stride < 1 || stride >= contextLength) {
            throw new IllegalArgumentException("stride must be in [1, contextLength) = [1, " + contextLength
                    + "), got " + stride + ": a larger one would leave targets without context in any window");
        }
        List<Window> windows = new ArrayList<>();
        long previousEnd = 0;
        for (long begin = 0; previousEnd < tokenCount && tokenCount >= 2; begin += stride) {
            long end = Math.min(begin + contextLength, tokenCount);
            windows.add(new Window(begin, end, Math.max(previousEnd, begin + 1)));
            previousEnd = end;
        }
        return windows;
    }

    /**
     * The trainer's held-out windows (a model announcement's {@code validation}): window {@code i} is the
     * {@code contextLength + 1} tokens from {@code startToken + i * stride}, and ALL its {@code contextLength} targets
     * are scored, as the trainer's validation loss scores them. With {@code stride == contextLength} (the trainer's
     * default) no target is scored twice; with a smaller stride targets in the overlaps are, as in training.
     */
    public static List<Window> of(long startToken, int windows, int contextLength, int stride) {
        if (startToken < 0 || windows < 0 || contextLength < 1 || stride < 1) {
            throw new IllegalArgumentException("need startToken >= 0, windows >= 0, contextLength >= 1, stride >= 1; "
                    + "got " + startToken + ", " + windows + ", " + contextLength + ", " + stride);
        }
        List<Window> out = new ArrayList<>(windows);
        for (int i = 0; i < windows; i++) {
            long begin = startToken + (long) i * stride;
            out.add(new Window(begin, begin + contextLength + 1, begin + 1));
        }
        return out;
    }
}
