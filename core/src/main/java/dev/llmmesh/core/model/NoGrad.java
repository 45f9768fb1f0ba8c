package dev.llmmesh.core.model;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns off autograd recording on this thread for a block, like {@code torch.no_grad()}; closing restores what was
 * there. libtorch's grad mode is per thread and on by default for every thread but the one that started the engine
 * (DJL only turns it off there), so without it an inference call or an evaluation on a pool thread would build (and
 * hold) a graph whenever the parameters require gradients, and an in-place update of a leaf parameter would fail
 * ("a leaf Variable that requires grad is being used in an in-place operation"). The one way to do this in core.
 */
public final class NoGrad implements AutoCloseable {
    private final boolean restore;

    private NoGrad(boolean restore) {
        this.restore = restore;
    }

    /** For code that may run on any engine: only PyTorch has a grad mode to turn off. */
    public static NoGrad enter(NDManager manager) {
        return "PyTorch".equals(manager.getEngine().getEngineName()) ? enter() : new NoGrad(false);
    }

    /** For code that runs on PyTorch only (training). */
    public static NoGrad enter() {
        if (!JniUtils.isGradMode()) {
            return new NoGrad(false);
        }
        JniUtils.setGradMode(false);
        return new NoGrad(true);
    }

    @Override
    public void close() {
        if (restore) {
            JniUtils.setGradMode(true);
        }
    }
}
