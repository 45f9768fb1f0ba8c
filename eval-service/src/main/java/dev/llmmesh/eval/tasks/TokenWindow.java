package dev.llmmesh.eval.tasks;

/**
 * A window of a token stream sent to be scored: tokens {@code [begin, end)}; the targets counted are the tokens at
 * {@code [scoredFrom, end)} (each predicted from the window's tokens before it), {@code scoredFrom > begin}.
 */
public record TokenWindow(long begin, long end, long scoredFrom) {
    public TokenWindow {
        if (!(begin < scoredFrom && scoredFrom <= end)) {
            throw new IllegalArgumentException("window [" + begin + ", " + end + ") cannot score from " + scoredFrom);
        }
    }

    public int targets() {
        return (int) (end - scoredFrom);
    }
}
