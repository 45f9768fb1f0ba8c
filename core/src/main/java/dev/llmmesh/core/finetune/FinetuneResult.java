package dev.llmmesh.core.finetune;

import java.nio.file.Path;
import java.util.List;

/**
 * How a fine-tune ended.
 *
 * @param epochs             epochs completed, including those before a resume
 * @param steps              optimizer steps completed
 * @param cancelled          stopped by the caller before the end
 * @param stoppedEarly       stopped because validation loss had not improved for the patience
 * @param bestEpoch          the epoch with the lowest validation loss (0 when none finished)
 * @param bestValidationLoss its validation loss (NaN when none finished)
 * @param restoredBest       the model holds the best epoch's weights (early stopping on), not the last's
 * @param history            the epochs this process ran
 * @param lastCheckpoint     the newest checkpoint written, or null
 */
public record FinetuneResult(int epochs, long steps, boolean cancelled, boolean stoppedEarly, int bestEpoch,
                             double bestValidationLoss, boolean restoredBest, List<EpochReport> history,
                             Path lastCheckpoint) {
}
