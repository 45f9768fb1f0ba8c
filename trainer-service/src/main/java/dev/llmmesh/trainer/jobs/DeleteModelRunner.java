package dev.llmmesh.trainer.jobs;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.jobs.TrainerJob;
import dev.llmmesh.servicekit.jobs.JobLifecycle;
import dev.llmmesh.servicekit.models.ModelPublisher;
import dev.llmmesh.servicekit.models.ModelRegistry;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.Map;

/**
 * {@code delete-model}: withdraws the model from {@code llm.models} (gateways stop listing it, replicas stop
 * serving it), then removes its files. In that order, so that a replica is told the model is gone before its files
 * go (a replica that reads the tombstone late can still fail to load it: it answers that request with an error).
 * A job redelivered between the two removes the files it left.
 */
@Singleton
public class DeleteModelRunner {
    private final FileArtifactStore artifacts;
    private final ModelRegistry registry;
    private final ModelPublisher models;
    private final JobLifecycle lifecycle;

    public DeleteModelRunner(FileArtifactStore artifacts, ModelRegistry registry, ModelPublisher models,
                             JobLifecycle lifecycle) {
        this.artifacts = artifacts;
        this.registry = registry;
        this.models = models;
        this.lifecycle = lifecycle;
    }

    public void run(TrainerJob.DeleteModel job) throws IOException {
        var run = lifecycle.start(job);
        if (run.isEmpty()) {
            return;
        }
        String artifact = registry.find(job.modelId()).map(ModelAnnouncement::artifact)
                .orElse(ArtifactKeys.modelDir(job.modelId()));
        models.withdraw(job.modelId());
        artifacts.deleteTree(artifact);
        run.get().succeeded("deleted model " + job.modelId(), Map.of("modelId", job.modelId(), "artifact", artifact));
    }
}
