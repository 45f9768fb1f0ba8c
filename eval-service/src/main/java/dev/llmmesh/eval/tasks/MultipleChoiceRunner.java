package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.eval.MultipleChoice;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.mesh.eval.EvalResult.Interval;
import dev.llmmesh.mesh.eval.EvalSample;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code multiple-choice}: lm-eval-harness's log-likelihood multiple choice ({@link MultipleChoice}): each choice
 * scored as the continuation of the context; {@code acc} takes the likeliest choice, {@code acc_norm} the likeliest
 * per byte of the choice's text.
 */
@Singleton
public class MultipleChoiceRunner implements TaskRunner {
    private final TaskData data;

    public MultipleChoiceRunner(TaskData data) {
        this.data = data;
    }

    @Override
    public EvalTask task() {
        return EvalTask.MULTIPLE_CHOICE;
    }

    @Override
    public Optional<TaskOutcome> run(EvalRun run) throws Exception {
        BpeTokenizer tokenizer = data.tokenizer(run);
        Examples<MultipleChoice.Row> examples = Examples.read(data.rows(run), MultipleChoiceRunner::row,
                run.job().maxExamples(), run.seed());
        run.skip(examples.malformed());
        Optional<List<EvalSample>> scored = run.score(examples.list(), example -> {
            MultipleChoice.Row row = example.value();
            return TaskData.logLikelihoods(run, TaskData.requests(row, tokenizer)).thenApply(lls -> {
                MultipleChoice.Score score = MultipleChoice.score(row, lls);
                ObjectNode input = JsonNodeFactory.instance.objectNode().put("context", row.context());
                input.set("choices", EvalRun.json(row.choices()));
                ObjectNode output = JsonNodeFactory.instance.objectNode().put("predicted", score.predicted())
                        .put("predictedNorm", score.predictedNorm());
                output.set("logLikelihoods", EvalRun.json(lls));
                Map<String, Double> scores = new LinkedHashMap<>();
                scores.put("acc", score.acc() ? 1.0 : 0.0);
                scores.put("acc_norm", score.accNorm() ? 1.0 : 0.0);
                return new EvalSample(example.index(), input, JsonNodeFactory.instance.numberNode(row.label()),
                        output, scores);
            });
        }, MultipleChoiceRunner::figures);
        if (scored.isEmpty()) {
            return Optional.empty();
        }
        List<EvalSample> samples = scored.get();
        if (samples.isEmpty()) {
            throw new JobFailedException("datasetId", "no row of dataset '"
                    + run.job().datasetId() + "' could be scored");
        }
        MultipleChoice.Accuracy accuracy = tally(samples).result();
        Map<String, Interval> intervals = new LinkedHashMap<>();
        Figures.interval(intervals, "acc", accuracy.accInterval());
        Figures.interval(intervals, "acc_norm", accuracy.accNormInterval());
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("maxExamples", run.job().maxExamples());
        parameters.put("seed", run.seed());
        parameters.put("targetDelimiter", MultipleChoice.TARGET_DELIMITER);
        JsonNode details = JsonNodeFactory.instance.objectNode().put("normalization", "bytes");
        return Optional.of(new TaskOutcome(figures(samples), intervals, samples.size(), run.skipped(), parameters,
                run.job().datasetId(), details));
    }

    static MultipleChoice.Row row(ObjectNode node) {
        List<String> choices = new ArrayList<>();
        node.get("choices").forEach(c -> choices.add(c.textValue()));
        return new MultipleChoice.Row(node.get("context").textValue(), choices, node.get("label").intValue());
    }

    private static MultipleChoice.Tally tally(List<EvalSample> samples) {
        MultipleChoice.Tally tally = new MultipleChoice.Tally();
        for (EvalSample s : samples) {
            int label = s.reference().intValue();
            tally.add(new MultipleChoice.Score(label, s.output().get("predicted").intValue(),
                    s.output().get("predictedNorm").intValue()));
        }
        return tally;
    }

    static Map<String, Double> figures(List<EvalSample> samples) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!samples.isEmpty()) {
            MultipleChoice.Accuracy accuracy = tally(samples).result();
            metrics.put("acc", accuracy.acc());
            metrics.put("acc_norm", accuracy.accNorm());
        }
        return metrics;
    }
}
