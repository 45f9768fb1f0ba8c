package dev.llmmesh.eval.jobs;

import dev.llmmesh.eval.results.EvalResults;
import dev.llmmesh.eval.scoring.InferenceScorer;
import dev.llmmesh.eval.tasks.EvalRun;
import dev.llmmesh.eval.tasks.SampleFile;
import dev.llmmesh.eval.tasks.TaskOutcome;
import dev.llmmesh.eval.tasks.TaskRunner;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import dev.llmmesh.servicekit.jobs.JobLifecycle;
import dev.llmmesh.servicekit.jobs.JobRun;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code evaluate}: runs the job's task over its examples, then publishes the {@link EvalResult} (its
 * {@code summary.json} and {@code samples.jsonl} under {@code evals/{id}/}, and the record on
 * {@code llm.eval.results}) and reports success.
 *
 * <p>Once per job: {@link EvalJobListener} asks {@link #alreadyPublished} before the job is checked or run.
 */
@Singleton
public class EvaluateRunner {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateRunner.class);

    private final JobLifecycle lifecycle;
    private final EvalResults results;
    private final ModelRegistry registry;
    private final InferenceScorer scorer;
    private final FileArtifactStore artifacts;
    private final Map<EvalTask, TaskRunner> runners = new EnumMap<>(EvalTask.class);
    private final int inFlight;

    public EvaluateRunner(JobLifecycle lifecycle, EvalResults results, ModelRegistry registry, InferenceScorer scorer,
                          FileArtifactStore artifacts, List<TaskRunner> runners,
                          @Value("${llm.eval.in-flight:32}") int inFlight) {
        this.lifecycle = lifecycle;
        this.results = results;
        this.registry = registry;
        this.scorer = scorer;
        this.artifacts = artifacts;
        runners.forEach(r -> this.runners.put(r.task(), r));
        this.inFlight = Math.max(1, inFlight);
    }

    /**
     * Whether the job's result is on {@code llm.eval.results} under its key and its own id: it has ended and is not
     * run again (nothing more is reported for it). An automatic figure under the same key from another job is an
     * earlier announcement's (weights trained again under the same id): the job runs and replaces it.
     */
    public boolean alreadyPublished(EvalJob.Evaluate job) throws InterruptedException {
        String key = EvalResult.key(job.modelId(), job.suite(), job.jobId());
        Optional<EvalResult> published = results.find(key).filter(r -> job.jobId().equals(r.evalId()));
        published.ifPresent(r -> LOG.info("job {}: {} already has its result; not run again", job.jobId(), key));
        return published.isPresent();
    }

    public void run(EvalJob.Evaluate job) throws Exception {
        Optional<JobRun> started = lifecycle.start(job);
        if (started.isEmpty()) {
            return;
        }
        JobRun jobRun = started.get();
        ModelAnnouncement model = registry.find(job.modelId(), ModelRegistry.CATCH_UP).orElseThrow(
                () -> new JobFailedException("modelId", "no model '" + job.modelId() + "'"));
        TaskRunner runner = runners.get(job.task());
        if (runner == null) {
            throw new JobFailedException("task", "task " + job.task().wireName() + " is not served by this "
                    + "eval-service");
        }
        try (SampleFile samples = new SampleFile(artifacts, job.jobId())) {
            EvalRun run = new EvalRun(job, model, jobRun, scorer, samples, registry, inFlight);
            Optional<TaskOutcome> outcome = runner.run(run);
            if (outcome.isEmpty()) {
                return;
            }
            samples.finish();
            publish(job, outcome.get(), jobRun);
        }
    }

    private void publish(EvalJob.Evaluate job, TaskOutcome outcome, JobRun jobRun) throws Exception {
        EvalResult result = new EvalResult(EvalResult.TYPE, EvalResult.SCHEMA_VERSION, job.jobId(), job.modelId(),
                job.suite(), job.task(), outcome.datasetId(), outcome.metrics(), outcome.intervals(),
                outcome.examples(), outcome.skipped(), outcome.parameters(), outcome.details(), Instant.now());
        results.publish(result);
        String primary = job.task().primaryMetric();
        Double figure = outcome.metrics().get(primary);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("evalId", job.jobId());
        summary.put("modelId", job.modelId());
        if (job.suite() != null) {
            summary.put("suite", job.suite());
        }
        summary.put("task", job.task().wireName());
        summary.put("metrics", outcome.metrics());
        summary.put("examples", outcome.examples());
        summary.put("skipped", outcome.skipped());
        summary.put("summary", ArtifactKeys.evalSummary(job.jobId()));
        summary.put("samples", ArtifactKeys.evalSamples(job.jobId()));
        jobRun.succeeded("evaluated " + job.modelId() + " on " + job.task().wireName() + ": " + primary + " "
                + (figure == null ? "n/a" : "%.4f".formatted(figure)) + " over " + outcome.examples() + " examples",
                summary);
    }
}
