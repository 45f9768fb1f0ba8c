package dev.llmmesh.core.train;

/**
 * Where the training sampler stands: the epoch (each epoch has its own shuffled order) and how many windows
 * of that epoch's order were already handed out.
 */
public record DataPosition(int epoch, int cursor) {
    public DataPosition {
        if (epoch < 0 || cursor < 0) {
            throw new IllegalArgumentException("epoch and cursor must be >= 0, got " + epoch + ", " + cursor);
        }
    }

    public static DataPosition start() {
        return new DataPosition(0, 0);
    }
}
