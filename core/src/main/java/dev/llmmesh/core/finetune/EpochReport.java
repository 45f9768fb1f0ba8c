package dev.llmmesh.core.finetune;

import java.util.List;

/**
 * One finished epoch of a fine-tune.
 *
 * @param epoch              1-based
 * @param epochs             epochs the run is set to (it may stop earlier)
 * @param steps              optimizer steps so far
 * @param trainLoss          mean cross-entropy over the epoch's training examples, as the weights were when each was
 *                           seen (dropout on); a skipped (non-finite) step's examples are left out, NaN if no
 *                           step counted
 * @param trainAccuracy      fraction of the epoch's training examples the model got right as it went (skipped steps
 *                           left out, as for the loss)
 * @param validationLoss     mean cross-entropy over the validation set after the epoch, no dropout
 * @param validationAccuracy fraction of the validation set right after the epoch
 * @param seconds            wall time of the epoch, validation included
 * @param best               the lowest validation loss so far (ties keep the earlier epoch)
 * @param bestPredictions    validation examples with the highest probability on the right label
 * @param worstPredictions   validation examples with the lowest probability on the right label: the most confidently
 *                           wrong first
 */
public record EpochReport(int epoch, int epochs, long steps, double trainLoss, double trainAccuracy,
                          double validationLoss, double validationAccuracy, double seconds, boolean best,
                          List<Prediction> bestPredictions, List<Prediction> worstPredictions) {
}
