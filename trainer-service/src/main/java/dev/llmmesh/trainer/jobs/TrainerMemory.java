package dev.llmmesh.trainer.jobs;

import dev.llmmesh.mesh.jobs.MemoryBudget;
import dev.llmmesh.mesh.jobs.TrainerMemoryBudget;
import dev.llmmesh.servicekit.DeviceMemory;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.format.ReadableBytes;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * How much memory a job on this trainer may take, compared with each job's {@link
 * dev.llmmesh.core.train.TrainingMemory} before it starts (the job's validation asks): a job that does not fit fails
 * with the numbers instead of the kernel killing the trainer (and with it the job's chance to report anything).
 *
 * <p>{@code llm.trainer.memory-budget} (e.g. {@code 12GB}) sets it. Unset, it is {@link DeviceMemory#usable} of
 * the device the engine trains on.
 */
@Singleton
public class TrainerMemory implements TrainerMemoryBudget {
    static final String PROPERTY = "llm.trainer.memory-budget";
    private static final Logger LOG = LoggerFactory.getLogger(TrainerMemory.class);

    private final long configured;
    private volatile MemoryBudget budget;

    public TrainerMemory(@Value("${" + PROPERTY + ":0}") @ReadableBytes long configured) {
        this.configured = configured;
    }

    /** Derived on first use: it needs the engine, which loads libtorch. */
    @Override
    public Optional<MemoryBudget> budget() {
        MemoryBudget b = budget;
        if (b == null) {
            b = DeviceMemory.budget(configured, PROPERTY);
            LOG.info("jobs on this trainer may use {} bytes ({})", b.bytes(), b.source());
            budget = b;
        }
        return Optional.of(b);
    }
}
