package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.eval.text.Bleu;
import dev.llmmesh.core.eval.text.BleuOptions;
import dev.llmmesh.core.eval.text.BleuScore;
import dev.llmmesh.core.eval.text.ExactMatch;
import dev.llmmesh.core.eval.text.Rouge;
import dev.llmmesh.core.eval.text.RougeScore;
import dev.llmmesh.mesh.eval.AlpacaPrompt;
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
 * {@code generation}: the model answers each instruction greedily (temperature 0, seeded) in the Alpaca prompt,
 * up to {@code maxTokens} tokens or the next section header; the answers are scored against the references with
 * corpus BLEU (sacreBLEU's defaults; its signature in {@code details}), ROUGE-1/2/L (F1, precision and recall,
 * rouge-score's tokenisation, optionally stemmed) and exact match (after trimming). Each sample carries its
 * sentence BLEU and ROUGE. Means of per-example figures have t intervals, exact match a Wilson one; corpus BLEU
 * is not a mean and has none.
 */
@Singleton
public class GenerationRunner implements TaskRunner {
    static final List<String> ROUGE_TYPES = List.of("rouge1", "rouge2", "rougeL");

    private final TaskData data;

    public GenerationRunner(TaskData data) {
        this.data = data;
    }

    @Override
    public EvalTask task() {
        return EvalTask.GENERATION;
    }

    @Override
    public Optional<TaskOutcome> run(EvalRun run) throws Exception {
        Examples<Instruction> examples = Examples.read(data.rows(run), Instruction::of, run.job().maxExamples(),
                run.seed());
        run.skip(examples.malformed());
        int maxTokens = run.parameters().maxTokens();
        Rouge rouge = new Rouge(ROUGE_TYPES, run.parameters().stemming());
        Optional<List<EvalSample>> scored = run.score(examples.list(), example -> {
            Instruction row = example.value();
            return run.scorer().generate(run.job().modelId(), row.prompt(), maxTokens, List.of(AlpacaPrompt.STOP),
                    run.seed()).thenApply(answer -> sample(example.index(), row, answer.text().strip(), rouge));
        }, samples -> {
            Map<String, Double> running = new LinkedHashMap<>();
            Figures.mean(running, null, "rougeL", Figures.scores(samples, "rougeL"));
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
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Interval> intervals = new LinkedHashMap<>();
        List<String> hypotheses = new ArrayList<>();
        List<List<String>> references = new ArrayList<>();
        for (EvalSample s : samples) {
            hypotheses.add(s.output().get("text").textValue());
            references.add(List.of(s.reference().textValue()));
        }
        BleuScore bleu = Bleu.corpus(hypotheses, references, BleuOptions.DEFAULT);
        metrics.put("bleu", bleu.score());
        for (String type : ROUGE_TYPES) {
            Figures.mean(metrics, intervals, type, Figures.scores(samples, type));
            Figures.mean(metrics, intervals, type + "Precision", Figures.scores(samples, type + "Precision"));
            Figures.mean(metrics, intervals, type + "Recall", Figures.scores(samples, type + "Recall"));
        }
        Figures.proportion(metrics, intervals, "exactMatch", Figures.scores(samples, "exactMatch"));
        ObjectNode details = JsonNodeFactory.instance.objectNode().put("bleuSignature", bleu.signature())
                .put("bleu", bleu.toString()).put("rougeTokenizer", "rouge-score default")
                .put("rougeStemming", run.parameters().stemming()).put("prompt", "alpaca");
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("maxExamples", run.job().maxExamples());
        parameters.put("seed", run.seed());
        parameters.put("maxTokens", maxTokens);
        parameters.put("temperature", 0);
        parameters.put("stemming", run.parameters().stemming());
        return Optional.of(new TaskOutcome(metrics, intervals, samples.size(), run.skipped(), parameters,
                run.job().datasetId(), details));
    }

    private static EvalSample sample(long index, Instruction row, String answer, Rouge rouge) {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("bleu", Bleu.sentence(answer, List.of(row.reference()), BleuOptions.SENTENCE).score());
        for (Map.Entry<String, RougeScore> r : rouge.score(row.reference(), answer).entrySet()) {
            scores.put(r.getKey(), r.getValue().fmeasure());
            scores.put(r.getKey() + "Precision", r.getValue().precision());
            scores.put(r.getKey() + "Recall", r.getValue().recall());
        }
        scores.put("exactMatch", ExactMatch.matches(answer, List.of(row.reference().strip()), false, false) ? 1.0
                : 0.0);
        ObjectNode input = JsonNodeFactory.instance.objectNode().put("instruction", row.instruction())
                .put("input", row.input()).put("prompt", row.prompt());
        return new EvalSample(index, input, JsonNodeFactory.instance.textNode(row.reference()),
                JsonNodeFactory.instance.objectNode().put("text", answer), scores);
    }
}
