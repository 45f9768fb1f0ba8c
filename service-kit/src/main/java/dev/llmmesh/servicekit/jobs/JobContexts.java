package dev.llmmesh.servicekit.jobs;

import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelDirectory;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.jobs.JobContext;
import dev.llmmesh.mesh.jobs.TrainerMemoryBudget;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Optional;

/** The lookups job validation runs against, the same in the gateway and in every service. */
@Factory
class JobContexts {
    /**
     * @param trainerMemory the trainer's own budget in a trainer, the configured limit in a gateway that has one;
     *                      absent elsewhere, and then no job is refused for its memory here
     */
    @Singleton
    JobContext jobContext(FileArtifactStore artifacts, TokenizerRegistry tokenizers, ModelRegistry models,
                          Optional<TrainerMemoryBudget> trainerMemory) {
        return new JobContext(artifacts, tokenizers, new CaughtUp(models), trainerMemory.orElse(Optional::empty));
    }

    /** A job that names a model published before this service started must not be refused as naming none. */
    private record CaughtUp(ModelRegistry registry) implements ModelDirectory {
        @Override
        public Optional<ModelAnnouncement> find(String modelId) {
            return registry.find(modelId, ModelRegistry.CATCH_UP);
        }

        @Override
        public List<ModelAnnouncement> all() {
            try {
                registry.awaitCaughtUp(ModelRegistry.CATCH_UP);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return registry.all();
        }
    }
}
