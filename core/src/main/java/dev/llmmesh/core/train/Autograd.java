package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The few autograd controls DJL's API does not expose.
 *
 * <p>libtorch keeps grad mode per thread and starts every new thread with it ON; DJL only turns it off on
 * the thread that loaded the engine. A training job runs on some worker thread, where in-place updates of
 * leaf parameters would then fail ("a leaf Variable that requires grad is being used in an in-place
 * operation") and evaluation would record graphs for nothing. So every update and every evaluation runs
 * inside {@link dev.llmmesh.core.model.NoGrad}.
 */
final class Autograd {

    private Autograd() {
    }

    /**
     * The accumulated gradient of {@code parameter}, owned by {@code owner}. DJL hands the gradient out as a
     * new handle in the parameter's own (long-lived) manager; moving it to the step's manager keeps it from
     * piling up there. Closing the handle does not free the gradient itself, which libtorch keeps.
     */
    static NDArray gradient(NDArray parameter, NDManager owner) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(owner);
        return gradient;
    }

    /**
     * Zeroes the gradient in place. {@code g.subi(g)} (what DJL's collector does) leaves NaN/inf in place,
     * which is exactly the case the non-finite guard must recover from; libtorch's {@code zero_()} does not.
     */
    static void zeroGradient(NDArray parameter) {
        if (parameter instanceof PtNDArray pt) {
            JniUtils.zeroGrad(pt);
        } else {
            try (NDArray gradient = parameter.getGradient()) {
                gradient.muli(0);
            }
        }
    }

    /** Makes {@code parameter} a leaf that collects gradients, if the model did not already. */
    static void requireGradient(NDArray parameter) {
        if (!parameter.hasGradient()) {
            parameter.setRequiresGradient(true);
        }
    }
}
