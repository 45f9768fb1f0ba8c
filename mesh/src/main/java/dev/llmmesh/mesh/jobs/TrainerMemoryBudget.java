package dev.llmmesh.mesh.jobs;

import java.util.Optional;

/** What one trainer gives a job, where that is known; asked only when a job that trains is checked. */
@FunctionalInterface
public interface TrainerMemoryBudget {
    Optional<MemoryBudget> budget();
}
