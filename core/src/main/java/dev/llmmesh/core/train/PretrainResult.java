package dev.llmmesh.core.train;

import java.nio.file.Path;

/**
 * How a {@link PretrainRun#run} ended.
 *
 * @param steps               completed optimizer steps (including any from before a resume)
 * @param cancelled           stopped by the cancellation flag before maxSteps
 * @param lastLoss            training loss of the last step, NaN when no step ran
 * @param lastValidationLoss  the most recent validation loss, null when none was computed
 * @param skippedSteps        updates skipped for non-finite loss
 * @param peak                the matmul peak MFU was measured against
 * @param lastCheckpoint      the checkpoint written at the end, null without a checkpoint root
 */
public record PretrainResult(long steps, boolean cancelled, double lastLoss, Double lastValidationLoss,
                             long skippedSteps, MatmulPeak peak, Path lastCheckpoint) {
}
