package dev.llmmesh.trainer.jobs;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.jobs.TrainerJob;
import dev.llmmesh.servicekit.jobs.JobLifecycle;
import dev.llmmesh.servicekit.models.ModelPublisher;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.Map;

/**
 * {@code delete-model}: withdraws the model from {@code llm.models} (gateways stop listing it, replicas stop
 * serving it), then removes its files. In that order: no replica loads a model whose files are half gone.
 */
@Singleton
public class DeleteModelRunner {
    private final FileArtifactStore artifacts;
    private final ModelPublisher models;
    private final JobLifecycle lifecycle;

    public DeleteModelRunner(FileArtifactStore artifacts, ModelPublisher models, JobLifecycle lifecycle) {
        this.artifacts = artifacts;
        this.models = models;
        this.lifecycle = lifecycle;
    }

    public void run(TrainerJob.DeleteModel job) throws IOException {
        var run = lifecycle.start(job);
        if (run.isEmpty()) {
            return;
        }
        models.withdraw(job.modelId());
        String artifact = ArtifactKeys.modelDir(job.modelId());
        artifacts.deleteTree(artifact);
        run.get().succeeded("deleted model " + job.modelId(), Map.of("modelId", job.modelId(), "artifact", artifact));
    }
}
