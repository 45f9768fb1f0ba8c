package dev.llmmesh.servicekit.jobs;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.jobs.JobTypes;
import dev.llmmesh.servicekit.models.ModelPublisher;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * Starts a job's run on this service: the one place a runner gets its reporter, its cancel and shutdown checks,
 * its checkpoint directory and the model publisher, so each runner holds only its own work.
 */
@Singleton
public class JobLifecycle {
    private final JobEvents events;
    private final Optional<CancelRequests> cancels;
    private final ShutdownSignal shutdown;
    private final ModelPublisher models;
    private final FileArtifactStore artifacts;

    /** @param cancels present where the service runs cancellable jobs ({@link CancelRequests#ENABLED}) */
    public JobLifecycle(JobEvents events, Optional<CancelRequests> cancels, ShutdownSignal shutdown,
                        ModelPublisher models, FileArtifactStore artifacts) {
        this.events = events;
        this.cancels = cancels;
        this.shutdown = shutdown;
        this.models = models;
        this.artifacts = artifacts;
    }

    /**
     * @return the run, or empty when the job was cancelled before any service took it up (reported here: the
     * runner just returns)
     */
    public Optional<JobRun> start(MeshJob job) {
        JobRun run = new JobRun(job, events.reporter(job.jobId(), job.jobType()), this::stopRequested, shutdown, models,
                artifacts.path(ArtifactKeys.checkpointsDir(job.jobId())));
        // Only jobs their service stops on a cancel wait for the control topic's replay.
        if (JobTypes.cancellable(job.jobType()) && cancels.isPresent()
                && cancels.get().cancelledBeforeStart(job.jobId())) {
            run.reporter().cancelled("cancelled before a service took it up; nothing was produced");
            return Optional.empty();
        }
        return Optional.of(run);
    }

    private boolean stopRequested(String jobId) {
        return shutdown.stopping() || cancels.map(c -> c.isCancelled(jobId)).orElse(false);
    }
}
