package dev.llmmesh.core.model;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns off autograd recording on this thread for a block, like {@code torch.no_grad()}. libtorch's grad mode is
 * per thread and on by default for every thread but the one that started the engine, so an inference call on a
 * pool thread would otherwise build (and hold) a graph whenever the parameters require gradients.
 */
final class NoGrad implements AutoCloseable {
    private final boolean restore;

    private NoGrad(boolean restore) {
        this.restore = restore;
    }

    static NoGrad enter(NDManager manager) {
        if (!"PyTorch".equals(manager.getEngine().getEngineName()) || !JniUtils.isGradMode()) {
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
