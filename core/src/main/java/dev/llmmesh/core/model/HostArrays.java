package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Builds arrays whose contents are computed in Java, writing straight into memory that libtorch allocated.
 *
 * <p>DJL's {@code manager.create(buffer)} keeps a Java direct buffer alive behind the tensor: that memory counts
 * against {@code -XX:MaxDirectMemorySize} and is only returned when the garbage collector gets round to it. Writing
 * through the tensor's own data pointer avoids both, and never holds the values twice.
 */
final class HostArrays {
    private HostArrays() {
    }

    /**
     * A new array of {@code shape} and {@code type} on {@code manager}'s device; {@code writer} receives its bytes
     * (little-endian, position 0, capacity = size in bytes) and fills them. Off the CPU the array is built on the
     * host and copied once.
     */
    static NDArray fill(NDManager manager, Shape shape, DataType type, Consumer<ByteBuffer> writer) {
        if (manager.getDevice().equals(Device.cpu())) {
            NDArray array = manager.create(shape, type);
            write(array, writer);
            return array;
        }
        try (NDManager host = NDManager.newBaseManager(Device.cpu(), manager.getEngine().getEngineName())) {
            NDArray array = host.create(shape, type);
            write(array, writer);
            NDArray moved = array.toDevice(manager.getDevice(), true);
            moved.attach(manager);
            return moved;
        }
    }

    private static void write(NDArray array, Consumer<ByteBuffer> writer) {
        if (array.size() == 0) {
            return;
        }
        // A contiguous CPU tensor hands out a direct buffer over its own storage: writes land in the tensor.
        ByteBuffer bytes = array.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
        checkLittleEndianHost();
        writer.accept(bytes);
    }

    /** A contiguous CPU array's own storage (not a copy): what Java kernels read and write in place. */
    static MemorySegment segment(NDArray array) {
        checkLittleEndianHost();
        return MemorySegment.ofBuffer(array.toByteBuffer(true));
    }

    /** libtorch stores numbers in host order; safetensors and these writers assume little-endian. */
    static void checkLittleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("big-endian hosts are not supported");
        }
    }
}
