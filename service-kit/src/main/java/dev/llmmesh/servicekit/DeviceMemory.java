package dev.llmmesh.servicekit;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import dev.llmmesh.mesh.jobs.MemoryBudget;

import java.lang.management.ManagementFactory;

/**
 * What the tensors of a service may take on a device when no budget is configured: on a GPU its memory; on the CPU
 * the machine's (the container's, where it has a limit) less the JVM's maximum heap, since tensors live outside the
 * heap. Either way less a margin of a tenth, at least 1 GiB, for the runtime, libtorch's workspaces and the
 * roughness of estimates.
 */
public final class DeviceMemory {
    private static final long GIB = 1L << 30;

    private DeviceMemory() {
    }

    /**
     * {@code configured} when it is positive, else {@link #usable} of the engine's default device (which loads
     * libtorch: ask on first use, not at startup), with where the number comes from.
     *
     * @param property the setting that would change it, named in the source
     */
    public static MemoryBudget budget(long configured, String property) {
        if (configured > 0) {
            return new MemoryBudget(configured, property);
        }
        Device device = Engine.getInstance().defaultDevice();
        String what = device.isGpu() ? "memory of " + device : "this machine's memory less the JVM heap";
        return new MemoryBudget(usable(device), what + " and a margin; set " + property + " to change it");
    }

    public static long usable(Device device) {
        if (device.isGpu()) {
            return lessMargin(CudaUtils.getGpuMemory(device).getMax());
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return lessMargin(os.getTotalMemorySize() - Runtime.getRuntime().maxMemory());
    }

    private static long lessMargin(long bytes) {
        return Math.max(0, bytes - Math.max(GIB, bytes / 10));
    }
}
