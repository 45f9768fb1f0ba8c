package dev.llmmesh.trainer.jobs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import dev.llmmesh.mesh.jobs.MemoryBudget;
import dev.llmmesh.mesh.jobs.TrainerMemoryBudget;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.format.ReadableBytes;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.Optional;

/**
 * How much memory a job on this trainer may take, compared with each job's {@link
 * dev.llmmesh.core.train.TrainingMemory} before it starts: a job that does not fit fails with the numbers instead
 * of the kernel killing the trainer (and with it the job's chance to report anything).
 *
 * <p>{@code llm.trainer.memory-budget} (e.g. {@code 12GB}) sets it. Unset, it is derived from the device the
 * engine trains on: on a GPU its memory; on the CPU the machine's (the container's, where it has a limit) less
 * the JVM's maximum heap, since tensors live outside the heap. Either way less a margin of a tenth, at least
 * 1 GiB, for the runtime, libtorch's workspaces and the estimate's roughness.
 */
@Singleton
public class TrainerMemory implements TrainerMemoryBudget {
    static final String PROPERTY = "llm.trainer.memory-budget";
    private static final Logger LOG = LoggerFactory.getLogger(TrainerMemory.class);
    private static final long GIB = 1L << 30;

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
            b = configured > 0 ? new MemoryBudget(configured, PROPERTY) : derive();
            LOG.info("jobs on this trainer may use {} bytes ({})", b.bytes(), b.source());
            budget = b;
        }
        return Optional.of(b);
    }

    private static MemoryBudget derive() {
        Device device = Engine.getInstance().defaultDevice();
        if (device.isGpu()) {
            long gpu = CudaUtils.getGpuMemory(device).getMax();
            return new MemoryBudget(lessMargin(gpu), "memory of " + device + " less a margin; set " + PROPERTY
                    + " to change it");
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long offHeap = os.getTotalMemorySize() - Runtime.getRuntime().maxMemory();
        return new MemoryBudget(lessMargin(offHeap), "this machine's memory less the JVM heap and a margin; set "
                + PROPERTY + " to change it");
    }

    private static long lessMargin(long bytes) {
        return Math.max(0, bytes - Math.max(GIB, bytes / 10));
    }
}
