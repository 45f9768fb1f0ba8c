package dev.llmmesh.core.finetune;

import dev.llmmesh.core.train.TrainingLoop;

/**
 * One optimizer step of a fine-tune, for live progress between the epoch reports.
 *
 * @param epoch           the epoch the step belongs to, 1-based
 * @param batch           the step's batch within that epoch, 1-based
 * @param batchesPerEpoch batches in every epoch
 * @param step            the loop's account of the step: number, loss, learning rate, gradient norm, skipped, seconds
 */
public record StepReport(int epoch, int batch, int batchesPerEpoch, TrainingLoop.Step step) {
}
