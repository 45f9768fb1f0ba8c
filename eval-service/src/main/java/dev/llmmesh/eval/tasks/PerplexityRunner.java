package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 *   <li>With a text dataset, its text under the model's tokenizer, in sliding windows of {@code contextLength}
 *       every {@code stride} tokens; each window counts only the targets no earlier window counted, so every token
 *       but the first is scored once, with up to {@code contextLength - stride} tokens of context before it.</li>
 * </ul>
 */
@Singleton
public class PerplexityRunner implements TaskRunner {
    private static final double Z95 = 1.959963984540054;

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
        List<TokenWindow> windows;
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
            windows = slidingWindows(stream.length, context, stride);
            parameters.put("windows", "sliding");
            parameters.put("contextLength", context);
            parameters.put("stride", stride);
        }
        List<Example<TokenWindow>> all = new ArrayList<>(windows.size());
        for (int i = 0; i < windows.size(); i++) {
            all.add(new Example<>(i, windows.get(i)));
        }
        List<Example<TokenWindow>> examples = Examples.draw(all, job.maxExamples(), run.seed());
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

    /** The trainer's windows: {@code contextLength + 1} tokens from {@code startToken + i * stride}, every target. */
    static List<TokenWindow> validationWindows(ValidationWindows spec, long streamTokens) throws JobFailedException {
        List<TokenWindow> windows = new ArrayList<>(spec.windows());
        for (int i = 0; i < spec.windows(); i++) {
            long begin = spec.startToken() + (long) i * spec.stride();
            long end = begin + spec.contextLength() + 1;
            if (end > streamTokens) {
                throw new JobFailedException("datasetId", "validation window " + i + " ends at token " + end
                        + " but dataset '" + spec.datasetId() + "' has " + streamTokens + " tokens under '"
                        + spec.tokenizerId() + "': it was tokenized again since the model was trained");
            }
            windows.add(new TokenWindow(begin, end, begin + 1));
        }
        return windows;
    }

    /** Windows of {@code context + 1} tokens every {@code stride}; each scores what no window before it did. */
    static List<TokenWindow> slidingWindows(long streamTokens, int context, int stride) {
        List<TokenWindow> windows = new ArrayList<>();
        long scoredUpTo = 1;
        for (long begin = 0; scoredUpTo < streamTokens; begin += stride) {
            long end = Math.min(begin + context + 1, streamTokens);
            if (end > scoredUpTo) {
                windows.add(new TokenWindow(begin, end, Math.max(scoredUpTo, begin + 1)));
                scoredUpTo = end;
            }
        }
        return windows;
    }

    private static CompletableFuture<EvalSample> score(EvalRun run, int[] stream,
                                                                           Example<TokenWindow> example) {
        TokenWindow window = example.value();
        int[] prompt = Arrays.copyOfRange(stream, (int) window.begin(), (int) window.end());
        int skip = (int) (window.scoredFrom() - window.begin() - 1);
        return run.scorer().promptLogprobs(run.job().modelId(), prompt, run.seed()).thenApply(logprobs -> {
            double logLikelihood = 0;
            for (int i = skip; i < logprobs.length; i++) {
                logLikelihood += logprobs[i];
            }
            int targets = window.targets();
            ObjectNode input = JsonNodeFactory.instance.objectNode().put("beginToken", window.begin())
                    .put("endToken", window.end()).put("scoredFrom", window.scoredFrom());
            Map<String, Double> scores = new LinkedHashMap<>();
            scores.put("tokens", (double) targets);
            scores.put("logLikelihood", logLikelihood);
            scores.put("loss", -logLikelihood / targets);
            return new EvalSample(example.index(), input, null, null, scores);
        });
    }

    /** Token-weighted: the loss is total negative log-likelihood over total targets. */
    static Map<String, Double> figures(List<EvalSample> samples) {
        double tokens = 0;
        double logLikelihood = 0;
        for (EvalSample sample : samples) {
            tokens += sample.scores().get("tokens");
            logLikelihood += sample.scores().get("logLikelihood");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (tokens > 0) {
            double loss = -logLikelihood / tokens;
            metrics.put("loss", loss);
            metrics.put("perplexity", Math.exp(loss));
        }
        metrics.put("tokens", tokens);
        return metrics;
    }

    /**
     * 95% intervals of the loss, and of the perplexity through it, from the spread of the windows' losses around
     * the token-weighted mean (windows are the sampled units; their weights are their target counts).
     */
    static Map<String, Interval> intervals(List<EvalSample> samples) {
        if (samples.size() < 2) {
            return Map.of();
        }
        double weights = 0;
        double weightsSquared = 0;
        double weighted = 0;
        for (EvalSample s : samples) {
            double w = s.scores().get("tokens");
            weights += w;
            weightsSquared += w * w;
            weighted += w * s.scores().get("loss");
        }
        double mean = weighted / weights;
        double variance = 0;
        for (EvalSample s : samples) {
            double d = s.scores().get("loss") - mean;
            variance += s.scores().get("tokens") * d * d;
        }
        variance /= weights;
        double effective = weights * weights / weightsSquared;
        double half = Z95 * Math.sqrt(variance / Math.max(1, effective - 1));
        Map<String, Interval> intervals = new LinkedHashMap<>();
        intervals.put("loss", new Interval(mean - half, mean + half, 0.95));
        intervals.put("perplexity", new Interval(Math.exp(mean - half), Math.exp(mean + half), 0.95));
        return intervals;
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
