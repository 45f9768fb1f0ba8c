package dev.llmmesh.core.finetune;

/**
 * One input's answer from {@link ClassifierModel#classify}.
 *
 * @param label         index of the most probable label (the first of equals)
 * @param probabilities softmax over the labels, in label order
 * @param tokens        tokens the model actually read (after truncation)
 * @param truncated     whether the input was longer than the model's maximum length and lost its tail
 */
public record Classified(int label, float[] probabilities, int tokens, boolean truncated) {
}
