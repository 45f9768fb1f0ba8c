package dev.llmmesh.trainer.jobs;

import dev.llmmesh.core.eval.ClassificationMetrics;
import dev.llmmesh.core.eval.Interval;
import dev.llmmesh.core.finetune.EpochReport;
import dev.llmmesh.core.finetune.FinetuneResult;
import dev.llmmesh.core.finetune.Prediction;
import dev.llmmesh.core.finetune.StepReport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a fine-tune reads to a person: its progress events between steps and epochs, and once it is done the model's
 * metrics, the job's result (test accuracy with its interval, per-class scores, confusion matrix, the naive Bayes
 * baseline, the most confidently misclassified tests) and the one-line message.
 *
 * @param metrics the published model's metrics
 * @param result  the job's result
 * @param message the job's closing line
 */
record FinetuneSummary(Map<String, Double> metrics, Map<String, Object> result, String message) {
    /** Characters of an example shown in an epoch's progress, and in the result's misclassified list. */
    static final int PROGRESS_TEXT = 200;
    static final int RESULT_TEXT = 300;
    static final int MISCLASSIFIED_SHOWN = 5;

    /**
     * What the run was, beside its figures.
     *
     * @param parameters          every parameter of the classifier, frozen ones included
     * @param trainableParameters those the run trained
     * @param datasets            the split datasets' ids by role (train, validation, test)
     */
    record Run(String modelId, String artifact, List<String> labels, String trainable, String pooling,
               String truncation, int maxLength, long parameters, long trainableParameters,
               Map<String, String> datasets, int trainExamples, int validationExamples, int testExamples) {
    }

    static FinetuneSummary of(Run run, FinetuneResult training, List<Prediction> validation, List<Prediction> test,
                              ClassificationMetrics baseline) {
        List<String> labels = run.labels();
        ClassificationMetrics testMetrics = metrics(labels, test);
        ClassificationMetrics validationMetrics = metrics(labels, validation);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("testAccuracy", testMetrics.accuracy());
        metrics.put("testLoss", loss(test));
        metrics.put("macroF1", testMetrics.macroF1());
        metrics.put("validationLoss", loss(validation));
        metrics.put("validationAccuracy", validationMetrics.accuracy());
        metrics.put("baselineAccuracy", baseline.accuracy());
        metrics.put("epochs", (double) training.epochs());
        metrics.put("bestEpoch", (double) training.bestEpoch());
        metrics.put("steps", (double) training.steps());
        metrics.put("trainExamples", (double) run.trainExamples());
        metrics.put("validationExamples", (double) run.validationExamples());
        metrics.put("testExamples", (double) run.testExamples());
        metrics.put("maxLength", (double) run.maxLength());
        metrics.put("parameters", (double) run.parameters());
        metrics.put("trainableParameters", (double) run.trainableParameters());

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("modelId", run.modelId());
        result.put("artifact", run.artifact());
        result.put("labels", labels);
        result.put("trainable", run.trainable());
        result.put("pooling", run.pooling());
        result.put("truncation", run.truncation());
        result.put("maxLength", run.maxLength());
        result.put("epochs", training.epochs());
        result.put("bestEpoch", training.bestEpoch());
        result.put("datasets", run.datasets());
        result.put("trainExamples", run.trainExamples());
        result.put("validationExamples", run.validationExamples());
        result.put("testExamples", run.testExamples());
        result.put("testAccuracy", testMetrics.accuracy());
        result.put("testAccuracyCi", interval(testMetrics.accuracyCi()));
        result.put("testLoss", metrics.get("testLoss"));
        result.put("macroF1", testMetrics.macroF1());
        result.put("classes", classes(testMetrics));
        result.put("confusion", testMetrics.confusion());
        result.put("validationLoss", metrics.get("validationLoss"));
        result.put("validationAccuracy", validationMetrics.accuracy());
        result.put("baselineAccuracy", baseline.accuracy());
        result.put("baselineAccuracyCi", interval(baseline.accuracyCi()));
        result.put("misclassified", shown(test.stream().filter(p -> !p.correct())
                .sorted(Comparator.comparingDouble(Prediction::goldProbability)).limit(MISCLASSIFIED_SHOWN).toList(),
                labels, RESULT_TEXT));
        String message = "fine-tuned " + run.modelId() + " for " + training.epochs() + " epochs: test accuracy "
                + "%.4f".formatted(testMetrics.accuracy()) + " (naive Bayes baseline "
                + "%.4f".formatted(baseline.accuracy()) + ")";
        return new FinetuneSummary(metrics, result, message);
    }

    /** A step's progress figures: where the run is and how the step went. */
    static Map<String, Double> step(StepReport report, int epochs) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("epoch", (double) report.epoch());
        metrics.put("epochs", (double) epochs);
        metrics.put("batch", (double) report.batch());
        metrics.put("batchesPerEpoch", (double) report.batchesPerEpoch());
        metrics.put("loss", report.step().loss());
        metrics.put("learningRate", report.step().learningRate());
        metrics.put("gradNorm", report.step().gradNorm());
        return metrics;
    }

    /** An epoch's progress figures. */
    static Map<String, Double> epoch(EpochReport epoch) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("epoch", (double) epoch.epoch());
        metrics.put("epochs", (double) epoch.epochs());
        metrics.put("trainLoss", epoch.trainLoss());
        metrics.put("trainAccuracy", epoch.trainAccuracy());
        metrics.put("validationLoss", epoch.validationLoss());
        metrics.put("validationAccuracy", epoch.validationAccuracy());
        metrics.put("bestSoFar", epoch.best() ? 1.0 : 0.0);
        metrics.put("seconds", epoch.seconds());
        return metrics;
    }

    /** An epoch's best and worst validation predictions, for the user watching what the model gets wrong. */
    static Map<String, Object> epochDetails(EpochReport epoch, List<String> labels) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("best", shown(epoch.bestPredictions(), labels, PROGRESS_TEXT));
        details.put("worst", shown(epoch.worstPredictions(), labels, PROGRESS_TEXT));
        return details;
    }

    /** Predictions as a person reads them: the text (cut), label names and each label's probability. */
    static List<Map<String, Object>> shown(List<Prediction> predictions, List<String> labels, int chars) {
        List<Map<String, Object>> shown = new ArrayList<>();
        for (Prediction p : predictions) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("text", cut(p.text(), chars));
            item.put("gold", labels.get(p.gold()));
            item.put("predicted", labels.get(p.predicted()));
            Map<String, Double> probabilities = new LinkedHashMap<>();
            for (int c = 0; c < labels.size(); c++) {
                probabilities.put(labels.get(c), (double) p.probabilities()[c]);
            }
            item.put("probabilities", probabilities);
            shown.add(item);
        }
        return shown;
    }

    static String cut(String text, int chars) {
        if (text.length() <= chars) {
            return text;
        }
        // Not between the two halves of a surrogate pair.
        int end = Character.isHighSurrogate(text.charAt(chars - 1)) ? chars - 1 : chars;
        return text.substring(0, end) + "…";
    }

    /** Mean cross-entropy of the predictions: minus the log of the probability each gave its right label. */
    static double loss(List<Prediction> predictions) {
        double sum = 0;
        for (Prediction p : predictions) {
            sum -= Math.log(Math.max(p.goldProbability(), Float.MIN_VALUE));
        }
        return sum / predictions.size();
    }

    static ClassificationMetrics metrics(List<String> labels, List<Prediction> predictions) {
        int[] gold = predictions.stream().mapToInt(Prediction::gold).toArray();
        int[] predicted = predictions.stream().mapToInt(Prediction::predicted).toArray();
        return ClassificationMetrics.of(labels, gold, predicted);
    }

    private static Map<String, Double> interval(Interval ci) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("low", ci.low());
        m.put("high", ci.high());
        return m;
    }

    private static List<Map<String, Object>> classes(ClassificationMetrics metrics) {
        List<Map<String, Object>> classes = new ArrayList<>();
        for (ClassificationMetrics.ClassScores c : metrics.classes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", c.label());
            m.put("precision", c.precision());
            m.put("recall", c.recall());
            m.put("f1", c.f1());
            m.put("support", c.support());
            m.put("predicted", c.predicted());
            classes.add(m);
        }
        return classes;
    }
}
