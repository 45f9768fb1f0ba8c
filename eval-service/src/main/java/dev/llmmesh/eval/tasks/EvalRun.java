package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.eval.scoring.InferenceScorer;
import dev.llmmesh.eval.scoring.ScoringException;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.eval.EvalParameters;
import dev.llmmesh.mesh.eval.EvalSample;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import dev.llmmesh.servicekit.jobs.JobRun;
import dev.llmmesh.servicekit.models.ModelRegistry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * One evaluation running: the job, its model, and the shared loop every task scores its examples with: up to
 * {@code inFlight} requests at the replicas at once, each example's {@link EvalSample} written in example order,
 * progress (examples/s, ETA) after each batch, a stop (cancel, shutdown) or a vanished model checked between
 * batches (the evaluated model, the judge and a pairwise baseline). An example whose request the replicas refuse as
 * such (its prompt does not fit) or that the task cannot score ({@link UnscorableExampleException}) is skipped and
 * counted; a model that cannot be served ends the job FAILED with the reason, and so does any other failure.
 */
public final class EvalRun {
    private final EvalJob.Evaluate job;
    private final ModelAnnouncement model;
    private final EvalParameters parameters;
    private final JobRun jobRun;
    private final InferenceScorer.Session scorer;
    private final SampleFile samples;
    private final ModelRegistry registry;
    private final int inFlight;
    private long skipped;

    public EvalRun(EvalJob.Evaluate job, ModelAnnouncement model, JobRun jobRun, InferenceScorer scorer,
                   SampleFile samples, ModelRegistry registry, int inFlight) {
        this.job = job;
        this.model = model;
        this.parameters = EvalParameters.of(job.task(), job.parameters());
        this.jobRun = jobRun;
        this.scorer = scorer.session();
        this.samples = samples;
        this.registry = registry;
        this.inFlight = inFlight;
    }

    public EvalJob.Evaluate job() {
        return job;
    }

    public ModelAnnouncement model() {
        return model;
    }

    public EvalParameters parameters() {
        return parameters;
    }

    /** The run's requests to the replicas; those still outstanding when {@link #score} ends are cancelled. */
    public InferenceScorer.Session scorer() {
        return scorer;
    }

    public long seed() {
        return job.seed() == null ? 0 : job.seed();
    }

    /** Examples skipped so far (malformed rows added by the task, refused prompts by the loop). */
    public long skipped() {
        return skipped;
    }

    public void skip(long count) {
        skipped += count;
    }

    /** Scores one example: its sample, or a failed future. */
    @FunctionalInterface
    public interface Scorer<T> {
        CompletableFuture<EvalSample> score(Example<T> example);
    }

    /**
     * Scores every example, writing its sample; {@code running} gives the figures so far for progress events.
     *
     * @return the samples in example order (skipped ones left out), or empty when the run was asked to stop
     */
    public <T> Optional<List<EvalSample>> score(List<Example<T>> examples, Scorer<T> scoring,
                                                Function<List<EvalSample>, Map<String, Double>> running)
            throws IOException, JobFailedException, InterruptedException {
        try {
            return scoreAll(examples, scoring, running);
        } finally {
            // A failed example, a vanished model or a stop leaves requests at the replicas: they stop too.
            scorer.close();
        }
    }

    private <T> Optional<List<EvalSample>> scoreAll(List<Example<T>> examples, Scorer<T> scoring,
                                                    Function<List<EvalSample>, Map<String, Double>> running)
            throws IOException, JobFailedException, InterruptedException {
        List<EvalSample> scored = new ArrayList<>(examples.size());
        jobRun.reporter().progress(0, examples.size(), "examples", "scoring", Map.of(), true);
        for (int from = 0; from < examples.size(); from += inFlight) {
            if (jobRun.stopRequested()) {
                jobRun.stopped("after " + from + " of " + examples.size() + " examples");
                return Optional.empty();
            }
            stillPublished(job.modelId(), "modelId");
            if (job.judgeModelId() != null) {
                stillPublished(job.judgeModelId(), "judgeModelId");
            }
            if (parameters.baselineModelId() != null) {
                stillPublished(parameters.baselineModelId(), "parameters.baselineModelId");
            }
            List<Example<T>> batch = examples.subList(from, Math.min(examples.size(), from + inFlight));
            List<CompletableFuture<EvalSample>> futures = new ArrayList<>(batch.size());
            for (Example<T> example : batch) {
                try {
                    futures.add(scoring.score(example));
                } catch (UnscorableExampleException e) {
                    futures.add(CompletableFuture.failedFuture(e));
                }
            }
            for (CompletableFuture<EvalSample> future : futures) {
                EvalSample sample = await(future);
                if (sample != null) {
                    samples.write(sample);
                    scored.add(sample);
                }
            }
            int done = from + batch.size();
            jobRun.reporter().progress(done, examples.size(), "examples", "scoring", running.apply(scored),
                    done == examples.size());
        }
        return Optional.of(scored);
    }

    private EvalSample await(CompletableFuture<EvalSample> future) throws JobFailedException, InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause()
                    : e.getCause();
            if (cause instanceof ScoringException scoring) {
                if (scoring.exampleAtFault()) {
                    skipped++;
                    return null;
                }
                throw new JobFailedException(field(scoring.modelId()), "model '" + scoring.modelId() + "' could not "
                        + "score the examples: " + scoring.getMessage());
            }
            if (cause instanceof UnscorableExampleException) {
                skipped++;
                return null;
            }
            throw new IllegalStateException("scoring failed: " + cause, cause);
        }
    }

    private String field(String modelId) {
        if (modelId.equals(job.judgeModelId())) {
            return "judgeModelId";
        }
        return modelId.equals(job.modelId()) ? "modelId" : "parameters.baselineModelId";
    }

    private void stillPublished(String modelId, String field) throws JobFailedException {
        if (registry.find(modelId).isEmpty()) {
            throw new JobFailedException(field, "model '" + modelId + "' was withdrawn during the evaluation");
        }
    }

    /** A JSON value for a sample's fields. */
    public static JsonNode json(Object value) {
        return Json.LENIENT.valueToTree(value);
    }
}
