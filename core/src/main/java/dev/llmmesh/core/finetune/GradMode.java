package dev.llmmesh.core.finetune;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Autograd recording off on this thread until closed. libtorch starts every thread but the engine's with grad mode
 * on, so a no-grad forward of a model whose parameters train (evaluation between epochs, serving after a fine-tune
 * in the same JVM) would otherwise record a graph it never uses.
 */
final class GradMode implements AutoCloseable {
    private final boolean restore;

    private GradMode(boolean restore) {
        this.restore = restore;
    }

    static GradMode off(NDManager manager) {
        if (!"PyTorch".equals(manager.getEngine().getEngineName()) || !JniUtils.isGradMode()) {
            return new GradMode(false);
        }
        JniUtils.setGradMode(false);
        return new GradMode(true);
    }

    @Override
    public void close() {
        if (restore) {
            JniUtils.setGradMode(true);
        }
    }
}
