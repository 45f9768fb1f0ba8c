package dev.llmmesh.core.train;

/**
 * What one optimizer step reports.
 *
 * @param step             1-based number of the update
 * @param loss             mean training loss over the step's micro-batches (NaN/inf for a skipped step)
 * @param learningRate     the rate this step used
 * @param gradNorm         global gradient L2 norm before clipping
 * @param tokensPerSecond  training tokens this step consumed divided by its wall time
 * @param mfu              model FLOPs utilisation: achieved FLOP/s over the measured matmul peak
 * @param validationLoss   mean validation loss, or null when this step did not evaluate
 * @param skipped          true when the update was skipped because the loss or gradients were not finite
 */
public record StepMetrics(long step, double loss, double learningRate, double gradNorm, double tokensPerSecond,
                          double mfu, Double validationLoss, boolean skipped) {
}
