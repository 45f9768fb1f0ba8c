package dev.llmmesh.core.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Accuracy, per-class precision / recall / F1 and the confusion matrix of a classifier, with scikit-learn's
 * definitions ({@code accuracy_score}, {@code precision_recall_fscore_support}, {@code confusion_matrix}).
 *
 * <p>A ratio whose denominator is 0 is 0, as scikit-learn's default {@code zero_division="warn"} gives (it also
 * warns): precision of a class never predicted, recall of a class absent from the gold labels, F1 of a class neither
 * predicted nor present. F1 is {@code 2 tp / (2 tp + fp + fn)}, which equals the harmonic mean of precision and
 * recall whenever that is defined. Macro-F1 is the unweighted mean over every class in {@code labels}, including
 * classes with no support (scikit-learn's {@code labels=} argument), so it is comparable between runs on the same
 * label set; weighted F1 weights each class by its support.
 *
 * @param labels        the class names, index = class id
 * @param examples      examples scored
 * @param correct       examples whose prediction is the gold label
 * @param accuracy      correct / examples
 * @param accuracyCi    Wilson 95% interval of the accuracy
 * @param classes       per-class figures, in label order
 * @param macroF1       unweighted mean of the per-class F1
 * @param weightedF1    support-weighted mean of the per-class F1
 * @param confusion     {@code confusion[g][p]}: examples of gold class g predicted as p (rows gold, columns
 *                      predicted, as scikit-learn's {@code confusion_matrix})
 */
public record ClassificationMetrics(List<String> labels, long examples, long correct, double accuracy,
                                    Interval accuracyCi, List<ClassScores> classes, double macroF1,
                                    double weightedF1, long[][] confusion) {

    /** One class's figures; support is its count among the gold labels. */
    public record ClassScores(String label, double precision, double recall, double f1, long support,
                              long predicted) {
    }

    /**
     * @param labels    class names; gold and predicted ids index into it
     * @param gold      the right class of each example
     * @param predicted the classifier's class of each example
     */
    public static ClassificationMetrics of(List<String> labels, int[] gold, int[] predicted) {
        int k = labels.size();
        if (k == 0) {
            throw new IllegalArgumentException("no labels");
        }
        if (gold.length != predicted.length) {
            throw new IllegalArgumentException(gold.length + " gold labels but " + predicted.length + " predictions");
        }
        long[][] confusion = new long[k][k];
        long correct = 0;
        for (int i = 0; i < gold.length; i++) {
            int g = checkClass("gold", i, gold[i], k);
            int p = checkClass("predicted", i, predicted[i], k);
            confusion[g][p]++;
            if (g == p) {
                correct++;
            }
        }
        List<ClassScores> classes = new ArrayList<>(k);
        double f1Sum = 0;
        double weightedSum = 0;
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c];
            long support = 0;
            long predictedAs = 0;
            for (int j = 0; j < k; j++) {
                support += confusion[c][j];
                predictedAs += confusion[j][c];
            }
            long fn = support - tp;
            long fp = predictedAs - tp;
            double f1 = ratio(2 * tp, 2 * tp + fp + fn);
            classes.add(new ClassScores(labels.get(c), ratio(tp, predictedAs), ratio(tp, support), f1, support,
                    predictedAs));
            f1Sum += f1;
            weightedSum += f1 * support;
        }
        long n = gold.length;
        return new ClassificationMetrics(List.copyOf(labels), n, correct, ratio(correct, n),
                Intervals.wilson(correct, n), List.copyOf(classes), f1Sum / k, ratio(weightedSum, n), confusion);
    }

    /** Macro-averaged precision: the unweighted mean over the labels. */
    public double macroPrecision() {
        return classes.stream().mapToDouble(ClassScores::precision).average().orElseThrow();
    }

    /** Macro-averaged recall: the unweighted mean over the labels. */
    public double macroRecall() {
        return classes.stream().mapToDouble(ClassScores::recall).average().orElseThrow();
    }

    private static int checkClass(String which, int example, int id, int k) {
        if (id < 0 || id >= k) {
            throw new IllegalArgumentException(which + " label of example " + example + " is " + id
                    + ", outside the " + k + " labels");
        }
        return id;
    }

    private static double ratio(double numerator, double denominator) {
        return denominator == 0 ? 0 : numerator / denominator;
    }
}
