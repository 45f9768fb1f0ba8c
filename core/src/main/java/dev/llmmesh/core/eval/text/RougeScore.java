package dev.llmmesh.core.eval.text;

/**
 * One ROUGE figure, each part 0 to 1.
 *
 * @param precision matched units over the prediction's units
 * @param recall    matched units over the reference's units
 * @param fmeasure  their harmonic mean (F1); 0 when both are 0
 */
public record RougeScore(double precision, double recall, double fmeasure) {
    static final RougeScore ZERO = new RougeScore(0, 0, 0);

    static RougeScore of(double precision, double recall) {
        double sum = precision + recall;
        return new RougeScore(precision, recall, sum > 0 ? 2 * precision * recall / sum : 0);
    }
}
