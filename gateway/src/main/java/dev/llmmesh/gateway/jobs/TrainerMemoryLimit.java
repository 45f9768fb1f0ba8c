package dev.llmmesh.gateway.jobs;

import dev.llmmesh.mesh.jobs.MemoryBudget;
import dev.llmmesh.mesh.jobs.TrainerMemoryBudget;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.format.ReadableBytes;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * What one trainer can give a job, as the operator told the gateway, so a job too large for any trainer is refused
 * at the door. Unset (0), the check is left to the trainers, which know their own capacity (each refuses what it
 * cannot hold).
 */
@Singleton
public class TrainerMemoryLimit implements TrainerMemoryBudget {
    static final String PROPERTY = "llm.jobs.trainer-memory-limit";

    private final long bytes;

    public TrainerMemoryLimit(@Value("${" + PROPERTY + ":0}") @ReadableBytes long bytes) {
        this.bytes = bytes;
    }

    @Override
    public Optional<MemoryBudget> budget() {
        return bytes > 0 ? Optional.of(new MemoryBudget(bytes, "the gateway's " + PROPERTY)) : Optional.empty();
    }
}
