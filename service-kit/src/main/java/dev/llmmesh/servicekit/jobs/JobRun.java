package dev.llmmesh.servicekit.jobs;

import dev.llmmesh.core.train.Checkpoint;
import dev.llmmesh.mesh.JobReporter;
import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.servicekit.models.ModelPublisher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One job running on this service, from {@link JobLifecycle#start}: report progress, ask between units of work
 * whether to stop, resume from the job's last checkpoint, and end it (publish, succeed, be cancelled, or hand
 * it to another replica on shutdown). A failure is thrown as {@link JobFailedException} and reported by
 * {@link JobIntake}.
 */
public final class JobRun {
    private final MeshJob job;
    private final JobReporter reporter;
    private final Predicate<String> stopRequested;
    private final ShutdownSignal shutdown;
    private final ModelPublisher models;
    private final Path checkpoints;

    JobRun(MeshJob job, JobReporter reporter, Predicate<String> stopRequested, ShutdownSignal shutdown,
           ModelPublisher models, Path checkpoints) {
        this.job = job;
        this.reporter = reporter;
        this.stopRequested = stopRequested;
        this.shutdown = shutdown;
        this.models = models;
        this.checkpoints = checkpoints;
    }

    public JobReporter reporter() {
        return reporter;
    }

    /** Asked between units of work (training steps, batches): a cancel was sent, or this replica is stopping. */
    public boolean stopRequested() {
        return stopRequested.test(job.jobId());
    }

    /** Where the job keeps checkpoints; a redelivered job finds its previous attempt's there. */
    public Path checkpoints() {
        return checkpoints;
    }

    public Optional<Path> latestCheckpoint() throws IOException {
        return Checkpoint.latest(checkpoints);
    }

    /**
     * Ends a run that stopped early. On shutdown it throws, leaving the job uncommitted for the replica that takes
     * the partition over (it resumes from the last checkpoint); on a cancel it reports CANCELLED.
     *
     * @param where where the work stopped, e.g. "at step 40 of 100"
     */
    public void stopped(String where) {
        if (shutdown.stopping()) {
            throw new JobInterruptedException("job " + job.jobId() + " interrupted by shutdown " + where
                    + "; another replica resumes it");
        }
        reporter.cancelled("cancelled " + where + "; nothing was published");
    }

    /** Announces the model on {@code llm.models}, then reports success: a client that sees SUCCEEDED finds it. */
    public void publish(ModelAnnouncement model, String message, Map<String, Object> result) {
        models.announce(model);
        reporter.succeeded(message, result);
    }

    public void succeeded(String message, Map<String, Object> result) {
        reporter.succeeded(message, result);
    }
}
