package dev.llmmesh.eval.tasks;

import dev.llmmesh.core.eval.MultipleChoice;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.datasets.DatasetRows;
import dev.llmmesh.mesh.datasets.Datasets;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What the row-based tasks share: the job's dataset rows, the model's tokenizer, log-likelihoods of choices. */
@Singleton
public class TaskData {
    private final Datasets datasets;
    private final TokenizerRegistry tokenizers;

    public TaskData(FileArtifactStore artifacts, TokenizerRegistry tokenizers) {
        this.datasets = new Datasets(artifacts);
        this.tokenizers = tokenizers;
    }

    public DatasetRows rows(EvalRun run) throws IOException, JobFailedException {
        String datasetId = run.job().datasetId();
        return datasets.rows(datasetId).orElseThrow(() -> new JobFailedException("datasetId", "no dataset '"
                + datasetId + "'"));
    }

    public BpeTokenizer tokenizer(EvalRun run) throws JobFailedException {
        String id = run.model().tokenizerId();
        return tokenizers.find(id).orElseThrow(() -> new JobFailedException("modelId", "tokenizer '" + id
                + "' of model '" + run.job().modelId() + "' not found"));
    }

    /**
     * Each choice as its context and continuation tokens ({@link MultipleChoice#requests}); a row the tokenizer
     * cannot make requests of (an empty context with no BOS token) is an {@link UnscorableExampleException}.
     */
    public static List<MultipleChoice.ChoiceRequest> requests(MultipleChoice.Row row, Tokenizer tokenizer) {
        try {
            return MultipleChoice.requests(row, tokenizer);
        } catch (IllegalArgumentException e) {
            throw new UnscorableExampleException(e.getMessage(), e);
        }
    }

    /**
     * Each choice's log-likelihood as its continuation of the context, in lm-eval-harness's way: the context and
     * continuation tokens scored as one prompt, the continuation's log probabilities summed.
     */
    public static CompletableFuture<double[]> logLikelihoods(EvalRun run, List<MultipleChoice.ChoiceRequest> choices) {
        List<CompletableFuture<Double>> each = new ArrayList<>(choices.size());
        for (MultipleChoice.ChoiceRequest choice : choices) {
            int continuation = choice.continuationTokens().length;
            each.add(run.scorer().promptLogprobs(run.job().modelId(), choice.allTokens(), run.seed())
                    .thenApply(logprobs -> {
                        double sum = 0;
                        for (int i = logprobs.length - continuation; i < logprobs.length; i++) {
                            sum += logprobs[i];
                        }
                        return sum;
                    }));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
            double[] out = new double[each.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = each.get(i).join();
            }
            return out;
        });
    }
}
