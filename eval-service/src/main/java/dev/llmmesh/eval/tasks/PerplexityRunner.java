package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.eval.LossTally;
import dev.llmmesh.core.eval.PerplexityResult;
import dev.llmmesh.core.eval.SlidingWindows;
import dev.llmmesh.core.eval.SlidingWindows.Window;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.ModelAnnouncement.ValidationWindows;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.eval.EvalResult.Interval;
import dev.llmmesh.mesh.eval.EvalSample;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.servicekit.datasets.TokenShardReader;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code perplexity}: token-weighted loss (mean negative log-likelihood per target token) and its exponential over
 * windows of a token stream, each window scored through the replicas as prompt log probabilities.
 * <ul>
 *   <li>Without a dataset, a base model's validation windows (its announcement's spec), read from the token stream
 *       exactly as the trainer read it: every target of every window counts, as in the trainer's validation loss,
 *       so the two agree.</li>
 *   <li>With a text dataset, its text under the model's tokenizer, in HuggingFace's strided windows of
 *       {@code contextLength} tokens every {@code stride} ({@link SlidingWindows#plan}): every token but the first
 *       is scored once, with at least {@code contextLength - stride} tokens of context past the first window.</li>
 * </ul>
 * A window is sent whole to the replicas as token ids. The trainer's windows are its context plus the last target,
 * one token more than the model's positions when it trained on its whole context (the default): a replica takes such
 * a prompt when it is only scored, since its last token is a target and never an input.
 */
@Singleton
public class PerplexityRunner implements TaskRunner {
    private final TokenShardReader shards;
    private final TokenizerRegistry tokenizers;
    private final FileArtifactStore artifacts;

    public PerplexityRunner(TokenShardReader shards, TokenizerRegistry tokenizers, FileArtifactStore artifacts) {
        this.shards = shards;
        this.tokenizers = tokenizers;
        this.artifacts = artifacts;
    }

    @Override
    public EvalTask task() {
        return EvalTask.PERPLEXITY;
    }

    @Override
    public Optional<TaskOutcome> run(EvalRun run) throws Exception {
        var job = run.job();
        Map<String, Object> parameters = new LinkedHashMap<>();
        int[] stream;
        List<Window> windows;
        String datasetId;
        if (job.datasetId() == null) {
            ValidationWindows spec = run.model().validation();
            if (spec == null) {
                throw new JobFailedException("datasetId", "model '" + job.modelId() + "' published no validation "
                        + "windows; give a datasetId");
            }
            datasetId = spec.datasetId();
            stream = concatenate(shards.read(spec.datasetId(), spec.tokenizerId()).shards());
            windows = validationWindows(spec, stream.length);
            parameters.put("windows", "validation");
            parameters.put("tokenizerId", spec.tokenizerId());
            parameters.put("startToken", spec.startToken());
            parameters.put("contextLength", spec.contextLength());
            parameters.put("stride", spec.stride());
        } else {
            datasetId = job.datasetId();
            int context = run.parameters().contextLength(EvalJob.Evaluate.contextLength(run.model()));
            int stride = run.parameters().stride(context);
            stream = tokenize(run, datasetId);
            windows = SlidingWindows.plan(stream.length, context, stride);
            parameters.put("windows", "sliding");
            parameters.put("contextLength", context);
            parameters.put("stride", stride);
        }
        List<Example<Window>> all = new ArrayList<>(windows.size());
        for (int i = 0; i < windows.size(); i++) {
            all.add(new Example<>(i, windows.get(i)));
        }
        List<Example<Window>> examples = Examples.draw(all, job.maxExamples(), run.seed());
        int[] tokens = stream;
        Optional<List<EvalSample>> scored = run.score(examples, example -> score(run, tokens, example),
                PerplexityRunner::figures);
        if (scored.isEmpty()) {
            return Optional.empty();
        }
        List<EvalSample> samples = scored.get();
        if (samples.isEmpty()) {
            throw new JobFailedException("datasetId", "no window of dataset '" + datasetId + "' could be scored");
        }
        Map<String, Double> metrics = figures(samples);
        Map<String, Interval> intervals = intervals(samples);
        parameters.put("maxExamples", job.maxExamples());
        parameters.put("seed", run.seed());
        var details = JsonNodeFactory.instance.objectNode().put("windows", samples.size())
                .put("scoredTokens", metrics.get("tokens").longValue()).put("streamTokens", stream.length)
                .put("weighting", "token");
        return Optional.of(new TaskOutcome(metrics, intervals, samples.size(), run.skipped(), parameters, datasetId,
                details));
    }

    /** The trainer's windows, every target counted, checked against the stream. */
    static List<Window> validationWindows(ValidationWindows spec, long streamTokens) throws JobFailedException {
        List<Window> windows = SlidingWindows.of(spec.startToken(), spec.windows(), spec.contextLength(),
                spec.stride());
        if (!windows.isEmpty() && windows.getLast().end() > streamTokens) {
            throw new JobFailedException("datasetId", "the validation windows end at token " + windows.getLast().end()
                    + " but dataset '" + spec.datasetId() + "' has " + streamTokens + " tokens under '"
                    + spec.tokenizerId() + "': it was tokenized again since the model was trained");
        }
        return windows;
    }

    /** Through the replicas: the window as a prompt, its targets' log probabilities echoed. */
    private static CompletableFuture<EvalSample> score(EvalRun run, int[] stream, Example<Window> example) {
        Window window = example.value();
        int[] prompt = Arrays.copyOfRange(stream, (int) window.begin(), (int) window.end());
        int skip = (int) (window.scoredFrom() - window.begin() - 1);
        return run.scorer().promptLogprobs(run.job().modelId(), prompt, run.seed())
                .thenApply(logprobs -> sample(example, Arrays.copyOfRange(logprobs, skip, logprobs.length)));
    }

    /** @param targets the log probabilities of the window's scored targets */
    private static EvalSample sample(Example<Window> example, double[] targets) {
        Window window = example.value();
        double logLikelihood = 0;
        for (double logprob : targets) {
            logLikelihood += logprob;
        }
        ObjectNode input = JsonNodeFactory.instance.objectNode().put("beginToken", window.begin())
                .put("endToken", window.end()).put("scoredFrom", window.scoredFrom());
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("tokens", (double) targets.length);
        scores.put("logLikelihood", logLikelihood);
        scores.put("loss", -logLikelihood / targets.length);
        return new EvalSample(example.index(), input, null, null, scores);
    }

    /** Token-weighted: the loss is the total negative log-likelihood over the total targets. */
    static Map<String, Double> figures(List<EvalSample> samples) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (samples.isEmpty()) {
            return metrics;
        }
        PerplexityResult result = tally(samples).result();
        metrics.put("loss", result.loss());
        metrics.put("perplexity", result.perplexity());
        metrics.put("tokens", (double) result.tokens());
        return metrics;
    }

    /** 95% intervals of the perplexity and the loss, from the spread of the windows' losses (LossTally). */
    static Map<String, Interval> intervals(List<EvalSample> samples) {
        PerplexityResult result = tally(samples).result();
        Map<String, Interval> intervals = new LinkedHashMap<>();
        if (result.interval().defined()) {
            intervals.put("perplexity", new Interval(result.low(), result.high(), 0.95));
            intervals.put("loss", new Interval(result.lossInterval().low(), result.lossInterval().high(), 0.95));
        }
        return intervals;
    }

    private static LossTally tally(List<EvalSample> samples) {
        LossTally tally = new LossTally();
        for (EvalSample sample : samples) {
            tally.addWindow(-sample.scores().get("logLikelihood"), sample.scores().get("tokens").intValue());
        }
        return tally;
    }

    private int[] tokenize(EvalRun run, String datasetId) throws IOException, JobFailedException {
        BpeTokenizer tokenizer = tokenizers.find(run.model().tokenizerId()).orElseThrow(() -> new JobFailedException(
                "modelId", "tokenizer '" + run.model().tokenizerId() + "' of model '" + run.job().modelId()
                        + "' not found"));
        String text;
        try (InputStream in = artifacts.open(ArtifactKeys.datasetText(datasetId))) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // As tokenize-dataset reads data.txt for training: separators are the document boundary token.
        int[] tokens = tokenizer.encode(text, SpecialTokenPolicy.ALLOW_ALL);
        if (tokens.length < 2) {
            throw new JobFailedException("datasetId", "dataset '" + datasetId + "' has fewer than 2 tokens");
        }
        return tokens;
    }

    private static int[] concatenate(List<int[]> shards) {
        int total = shards.stream().mapToInt(s -> s.length).sum();
        int[] all = new int[total];
        int at = 0;
        for (int[] shard : shards) {
            System.arraycopy(shard, 0, all, at, shard.length);
            at += shard.length;
        }
        return all;
    }
}
