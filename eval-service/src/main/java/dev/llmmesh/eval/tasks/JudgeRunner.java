package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.eval.text.JudgePrompt;
import dev.llmmesh.core.eval.text.JudgeScore;
import dev.llmmesh.core.eval.text.PairwisePreference;
import dev.llmmesh.core.eval.text.PairwiseVerdict;
import dev.llmmesh.eval.scoring.Completion;
import dev.llmmesh.mesh.eval.AlpacaPrompt;
import dev.llmmesh.mesh.eval.EvalResult.Interval;
import dev.llmmesh.mesh.eval.EvalSample;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * {@code judge}, the LLM-as-judge recipe: the model answers each instruction (greedy, seeded, as in
 * {@link GenerationRunner}); the judge model reads a fixed prompt ({@link JudgePrompt}) at temperature 0 with the
 * job's seed and its reply is parsed ({@link JudgeScore}, 0-100). A reply with no readable score is counted
 * ({@code unparsed}) and left out of the mean, never taken as 0.
 *
 * <p>Pairwise ({@code parameters.pairwise}): the baseline model answers too, and the judge compares the two
 * answers twice, once in each order, so that a preference for a position cancels ({@link PairwiseVerdict}); the
 * model's {@code score} is then 100 x (wins + ties / 2) / judged.
 */
@Singleton
public class JudgeRunner implements TaskRunner {
    /** Enough for a score and a sentence of reasons; the parser reads the first score. */
    static final int JUDGE_TOKENS = 48;

    private final TaskData data;

    public JudgeRunner(TaskData data) {
        this.data = data;
    }

    @Override
    public EvalTask task() {
        return EvalTask.JUDGE;
    }

    @Override
    public Optional<TaskOutcome> run(EvalRun run) throws Exception {
        Examples<Instruction> examples = Examples.read(data.rows(run), Instruction::of, run.job().maxExamples(),
                run.seed());
        run.skip(examples.malformed());
        boolean pairwise = run.parameters().pairwise();
        Optional<List<EvalSample>> scored = run.score(examples.list(),
                example -> pairwise ? pairwise(run, example) : single(run, example), JudgeRunner::figures);
        if (scored.isEmpty()) {
            return Optional.empty();
        }
        List<EvalSample> samples = scored.get();
        if (samples.isEmpty()) {
            throw new JobFailedException("datasetId", "no row of dataset '" + run.job().datasetId()
                    + "' could be judged");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Interval> intervals = new LinkedHashMap<>();
        double[] judged = Figures.scores(samples, "score");
        Figures.mean(metrics, intervals, "score", judged);
        metrics.put("judged", (double) judged.length);
        metrics.put("unparsed", (double) (samples.size() - judged.length));
        if (pairwise) {
            Figures.proportion(metrics, intervals, "winRate", Figures.scores(samples, "win"));
            Figures.proportion(metrics, intervals, "tieRate", Figures.scores(samples, "tie"));
            Figures.proportion(metrics, intervals, "lossRate", Figures.scores(samples, "loss"));
            Figures.proportion(metrics, intervals, "consistency", Figures.scores(samples, "consistent"));
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("maxExamples", run.job().maxExamples());
        parameters.put("seed", run.seed());
        parameters.put("judgeModelId", run.job().judgeModelId());
        parameters.put("maxTokens", run.parameters().maxTokens());
        parameters.put("judgeTemperature", 0);
        parameters.put("pairwise", pairwise);
        if (pairwise) {
            parameters.put("baselineModelId", run.parameters().baselineModelId());
        }
        ObjectNode details = JsonNodeFactory.instance.objectNode().put("prompt", pairwise
                ? JudgePrompt.pairwise("{task}", "{reference}", "{answerA}", "{answerB}")
                : JudgePrompt.single("{task}", "{reference}", "{answer}"));
        return Optional.of(new TaskOutcome(metrics, intervals, samples.size(), run.skipped(), parameters,
                run.job().datasetId(), details));
    }

    static Map<String, Double> figures(List<EvalSample> samples) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        Figures.mean(metrics, null, "score", Figures.scores(samples, "score"));
        return metrics;
    }

    private static CompletableFuture<Completion> answer(EvalRun run, String modelId, Instruction row) {
        return run.scorer().generate(modelId, row.prompt(), run.parameters().maxTokens(), List.of(AlpacaPrompt.STOP),
                run.seed());
    }

    /**
     * The judge's reply to {@link JudgePrompt}'s prompt, sent as it is: it ends with the line the reply continues
     * ("Grade: "), which a wrapper (the Alpaca format's Response header) would no longer leave last, and
     * {@code details.prompt} is then exactly what every judge read.
     */
    private static CompletableFuture<String> judge(EvalRun run, String prompt) {
        return run.scorer().generate(run.job().judgeModelId(), prompt, JUDGE_TOKENS, List.of(AlpacaPrompt.STOP),
                run.seed()).thenApply(Completion::text);
    }

    private static CompletableFuture<EvalSample> single(EvalRun run, Example<Instruction> example) {
        Instruction row = example.value();
        return answer(run, run.job().modelId(), row).thenCompose(answer -> {
            String text = answer.text().strip();
            return judge(run, JudgePrompt.single(row.task(), row.reference(), text)).thenApply(reply -> {
                OptionalInt score = JudgeScore.parse(reply);
                Map<String, Double> scores = new LinkedHashMap<>();
                if (score.isPresent()) {
                    scores.put("score", (double) score.getAsInt());
                }
                ObjectNode output = JsonNodeFactory.instance.objectNode().put("text", text).put("judge", reply)
                        .put("parsed", score.isPresent());
                return new EvalSample(example.index(), input(row), JsonNodeFactory.instance.textNode(
                        row.reference()), output, scores);
            });
        });
    }

    private static CompletableFuture<EvalSample> pairwise(EvalRun run, Example<Instruction> example) {
        Instruction row = example.value();
        var ours = answer(run, run.job().modelId(), row);
        var theirs = answer(run, run.parameters().baselineModelId(), row);
        return ours.thenCombine(theirs, (a, b) -> new String[] {a.text().strip(), b.text().strip()})
                .thenCompose(answers -> {
                    var first = judge(run, JudgePrompt.pairwise(row.task(), row.reference(), answers[0], answers[1]));
                    var swapped = judge(run, JudgePrompt.pairwise(row.task(), row.reference(), answers[1],
                            answers[0]));
                    return first.thenCombine(swapped, (r1, r2) -> {
                        Optional<PairwisePreference> p1 = PairwisePreference.parse(r1);
                        Optional<PairwisePreference> p2 = PairwisePreference.parse(r2);
                        Map<String, Double> scores = new LinkedHashMap<>();
                        ObjectNode output = JsonNodeFactory.instance.objectNode().put("text", answers[0])
                                .put("baseline", answers[1]).put("judgeFirstOrder", r1).put("judgeSwappedOrder", r2);
                        if (p1.isPresent() && p2.isPresent()) {
                            PairwiseVerdict verdict = PairwiseVerdict.combine(p1.get(), p2.get());
                            scores.put("win", verdict.winner() == PairwisePreference.A ? 1.0 : 0.0);
                            scores.put("tie", verdict.winner() == PairwisePreference.TIE ? 1.0 : 0.0);
                            scores.put("loss", verdict.winner() == PairwisePreference.B ? 1.0 : 0.0);
                            scores.put("consistent", verdict.consistent() ? 1.0 : 0.0);
                            scores.put("score", verdict.winner() == PairwisePreference.A ? 100.0
                                    : verdict.winner() == PairwisePreference.TIE ? 50.0 : 0.0);
                            output.put("winner", verdict.winner() == PairwisePreference.A ? "model"
                                    : verdict.winner() == PairwisePreference.B ? "baseline" : "tie");
                        }
                        output.put("parsed", p1.isPresent() && p2.isPresent());
                        return new EvalSample(example.index(), input(row), JsonNodeFactory.instance.textNode(
                                row.reference()), output, scores);
                    });
                });
    }

    private static ObjectNode input(Instruction row) {
        return JsonNodeFactory.instance.objectNode().put("instruction", row.instruction()).put("input", row.input());
    }
}
