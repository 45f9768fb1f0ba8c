package dev.llmmesh.core.train;

/** The loss or gradients stayed NaN/inf for too many steps in a row: the run diverged. */
public final class NonFiniteLossException extends IllegalStateException {
    private final long step;
    private final int inARow;

    public NonFiniteLossException(long step, int inARow) {
        super("loss became NaN/inf " + inARow + " times in a row at step " + step
                + ": lower learningRate or enable gradClip");
        this.step = step;
        this.inARow = inARow;
    }

    public long step() {
        return step;
    }

    public int inARow() {
        return inARow;
    }
}
