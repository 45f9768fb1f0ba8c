package dev.llmmesh.core.finetune;

/**
 * A classifier's answer on one labelled example, for a person to read.
 *
 * @param text          the example's text (whole, as given, even when the model read only its first tokens)
 * @param gold          the right label id
 * @param predicted     the model's label id
 * @param probabilities softmax over the labels, in label order
 */
public record Prediction(String text, int gold, int predicted, float[] probabilities) {
    public boolean correct() {
        return gold == predicted;
    }

    /** The probability the model gave the right label: low is confidently wrong. */
    public float goldProbability() {
        return probabilities[gold];
    }
}
