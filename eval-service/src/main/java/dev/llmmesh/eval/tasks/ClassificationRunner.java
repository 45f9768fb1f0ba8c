package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.eval.ClassificationMetrics;
import dev.llmmesh.core.eval.MultipleChoice;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.eval.EvalResult.Interval;
import dev.llmmesh.mesh.eval.EvalSample;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.TreeSet;

/**
 * {@code classification} of labeled text. A classifier (kind {@code classifier}) answers with its own head: each
 * text goes to the replicas as a classify request (the path {@code /v1/classify} takes; the replica labels the
 * requests in flight together in one forward), and its likeliest label is its answer. Any other model classifies
 * zero-shot: each label name is scored by log-likelihood as the continuation of a fixed prompt over the text
 * ({@link #prompt}), and the likeliest label is its answer. Accuracy (Wilson interval), per-class precision,
 * recall and F1, macro- and weighted F1 and the confusion matrix ({@link ClassificationMetrics}).
 */
@Singleton
public class ClassificationRunner implements TaskRunner {
    private final TaskData data;

    public ClassificationRunner(TaskData data) {
        this.data = data;
    }

    @Override
    public EvalTask task() {
        return EvalTask.CLASSIFICATION;
    }

    record Labeled(String text, String label) {
        Labeled {
            if (text == null || label == null || label.isBlank()) {
                throw new IllegalArgumentException("a row needs a text and a label");
            }
        }
    }

    /** The text, then a line that the label's name continues (after a space). */
    public static String prompt(String text) {
        return "Text: " + text.strip() + "\nLabel:";
    }

    /** A classifier's own answer for one row: its label and every label's probability. */
    private static CompletableFuture<EvalSample> byHead(EvalRun run, Example<Labeled> example) {
        Labeled row = example.value();
        return run.scorer().classify(run.job().modelId(), List.of(row.text())).thenApply(answer -> {
            Classification item = answer.classified().getFirst();
            ObjectNode probabilities = JsonNodeFactory.instance.objectNode();
            item.probabilities().forEach(probabilities::put);
            ObjectNode output = JsonNodeFactory.instance.objectNode().put("label", item.label());
            output.set("probabilities", probabilities);
            output.put("tokens", item.tokens()).put("truncated", item.truncated());
            return new EvalSample(example.index(), JsonNodeFactory.instance.objectNode().put("text", row.text()),
                    JsonNodeFactory.instance.textNode(row.label()), output,
                    Map.of("correct", item.label().equals(row.label()) ? 1.0 : 0.0));
        });
    }

    @Override
    public Optional<TaskOutcome> run(EvalRun run) throws Exception {
        BpeTokenizer tokenizer = data.tokenizer(run);
        Examples<Labeled> examples = Examples.read(data.rows(run), row -> new Labeled(row.get("text").textValue(),
                row.get("label").asText()), null, run.seed());
        // The labels are every label of the dataset, whichever rows the sample draws; a classifier's are its head's.
        List<String> found = List.copyOf(new TreeSet<>(examples.list().stream().map(e -> e.value().label())
                .toList()));
        boolean head = run.model().kind() == ModelKind.CLASSIFIER;
        List<String> labels = head ? run.model().labels() : found;
        if (head && !labels.containsAll(found)) {
            List<String> unknown = found.stream().filter(l -> !labels.contains(l)).toList();
            throw new JobFailedException("datasetId", "dataset '" + run.job().datasetId() + "' has labels "
                    + unknown + " that classifier '" + run.model().modelId() + "' does not know (its labels: "
                    + labels + ")");
        }
        if (labels.size() < 2) {
            throw new JobFailedException("datasetId", "dataset '" + run.job().datasetId() + "' has "
                    + labels.size() + " label(s); classification needs two or more");
        }
        run.skip(examples.malformed());
        var drawn = Examples.draw(examples.list(), run.job().maxExamples(), run.seed());
        Optional<List<EvalSample>> scored = run.score(drawn, head ? example -> byHead(run, example) : example -> {
            Labeled row = example.value();
            var choices = new MultipleChoice.Row(prompt(row.text()), labels, labels.indexOf(row.label()));
            return TaskData.logLikelihoods(run, TaskData.requests(choices, tokenizer)).thenApply(lls -> {
                int best = MultipleChoice.score(choices, lls).predicted();
                ObjectNode likelihoods = JsonNodeFactory.instance.objectNode();
                for (int i = 0; i < lls.length; i++) {
                    likelihoods.put(labels.get(i), lls[i]);
                }
                ObjectNode output = JsonNodeFactory.instance.objectNode().put("label", labels.get(best));
                output.set("logLikelihoods", likelihoods);
                return new EvalSample(example.index(), JsonNodeFactory.instance.objectNode().put("text", row.text()),
                        JsonNodeFactory.instance.textNode(row.label()), output,
                        Map.of("correct", labels.get(best).equals(row.label()) ? 1.0 : 0.0));
            });
        }, samples -> {
            Map<String, Double> running = new LinkedHashMap<>();
            Figures.proportion(running, null, "accuracy", Figures.scores(samples, "correct"));
            return running;
        });
        if (scored.isEmpty()) {
            return Optional.empty();
        }
        List<EvalSample> samples = scored.get();
        if (samples.isEmpty()) {
            throw new JobFailedException("datasetId", "no row of dataset '" + run.job().datasetId()
                    + "' could be scored");
        }
        int[] gold = new int[samples.size()];
        int[] predicted = new int[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            gold[i] = labels.indexOf(samples.get(i).reference().textValue());
            predicted[i] = labels.indexOf(samples.get(i).output().get("label").textValue());
        }
        ClassificationMetrics m = ClassificationMetrics.of(labels, gold, predicted);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", m.accuracy());
        metrics.put("macroF1", m.macroF1());
        metrics.put("weightedF1", m.weightedF1());
        metrics.put("macroPrecision", m.macroPrecision());
        metrics.put("macroRecall", m.macroRecall());
        Map<String, Interval> intervals = new LinkedHashMap<>();
        Figures.interval(intervals, "accuracy", m.accuracyCi());
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.set("labels", EvalRun.json(labels));
        details.set("classes", EvalRun.json(m.classes()));
        details.set("confusion", EvalRun.json(m.confusion()));
        details.put("confusionRows", "gold").put("confusionColumns", "predicted");
        if (!head) {
            details.put("prompt", prompt("{text}") + " {label}");
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("maxExamples", run.job().maxExamples());
        parameters.put("seed", run.seed());
        parameters.put("method", head ? "the classifier's head" : "zero-shot log-likelihood of each label");
        return Optional.of(new TaskOutcome(metrics, intervals, samples.size(), run.skipped(), parameters,
                run.job().datasetId(), details));
    }
}
