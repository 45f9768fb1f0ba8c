package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}}, then the raw
 * little-endian tensor bytes, offsets relative to the end of the header.
 *
 * <p>Reading maps the file and makes each array straight from its slice of the mapping, so the weights are never
 * held twice: a float32 tensor on the CPU is the mapped pages themselves (mapped privately, so updating the array
 * in place never writes to the file). float16 and bfloat16 tensors are widened to float32 as they are read.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA = "__metadata__";
    /** The reference implementation refuses larger headers; so do we, before allocating one. */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private SafeTensors() {
    }

    /** Element types of the format that map onto DJL types. */
    public enum Dtype {
        F32(4, DataType.FLOAT32), F16(2, DataType.FLOAT16), BF16(2, DataType.BFLOAT16), F64(8, DataType.FLOAT64),
        I64(8, DataType.INT64), I32(4, DataType.INT32), I8(1, DataType.INT8), U8(1, DataType.UINT8),
        BOOL(1, DataType.BOOLEAN);

        private final int bytes;
        private final DataType djl;

        Dtype(int bytes, DataType djl) {
            this.bytes = bytes;
            this.djl = djl;
        }

        public int bytes() {
            return bytes;
        }

        /** The type an array read from this dtype has: half precision is widened to float32. */
        public DataType readAs() {
            return this == F16 || this == BF16 ? DataType.FLOAT32 : djl;
        }

        static Dtype of(DataType type) {
            for (Dtype d : values()) {
                if (d.djl == type && d != BF16) {
                    return d;
                }
            }
            throw new IllegalArgumentException("cannot write " + type + " to safetensors; convert it first");
        }
    }

    /** One header entry; {@code begin}/{@code end} are byte offsets into the data section. */
    public record TensorInfo(Dtype dtype, Shape shape, long begin, long end) {
        public long byteSize() {
            return end - begin;
        }
    }

    /**
     * @param tensors   in file order
     * @param metadata  the optional {@code __metadata__} map (empty when absent)
     * @param dataStart file offset of the data section
     */
    public record Header(SequencedMap<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
    }

    /** Reads and checks the header only: every tensor must lie inside the file with a size matching its shape. */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, channel);
        }
    }

    /** Every tensor of {@code file}, in file order, as arrays of {@code manager}. */
    public static SequencedMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        return read(file, manager, name -> true);
    }

    /** The tensors of {@code file} whose names pass {@code include}; the others are never touched. */
    public static SequencedMap<String, NDArray> read(Path file, NDManager manager, Predicate<String> include)
            throws IOException {
        return read(file, manager, include, true);
    }

    /**
     * @param zeroCopy map privately (needs a file we may open for writing) and use the mapped pages as the arrays;
     *                 otherwise, or when the file is read-only to us, map read-only and copy each tensor once into
     *                 memory of its own (an array over read-only pages would crash the JVM when updated in place)
     */
    static SequencedMap<String, NDArray> read(Path file, NDManager manager, Predicate<String> include,
                                              boolean zeroCopy) throws IOException {
        HostArrays.checkLittleEndianHost();
        FileChannel writableChannel = zeroCopy ? openWritable(file) : null;
        boolean writable = writableChannel != null;
        SequencedMap<String, NDArray> arrays = new LinkedHashMap<>();
        try (FileChannel channel = writable ? writableChannel : FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, channel);
            long dataBytes = channel.size() - header.dataStart();
            // An automatic arena: the mapping lives exactly as long as some array (via its buffer) still uses it.
            MemorySegment data = channel.map(writable ? FileChannel.MapMode.PRIVATE : FileChannel.MapMode.READ_ONLY,
                    header.dataStart(), dataBytes, Arena.ofAuto());
            for (Map.Entry<String, TensorInfo> entry : header.tensors().entrySet()) {
                if (include.test(entry.getKey())) {
                    NDArray array = toArray(entry.getKey(), entry.getValue(), data, manager, writable);
                    array.setName(entry.getKey());
                    arrays.put(entry.getKey(), array);
                }
            }
            return arrays;
        } catch (IOException | RuntimeException e) {
            arrays.values().forEach(NDArray::close);
            throw e;
        }
    }

    /** A private mapping needs a channel open for writing (nothing is ever written); null if we may not. */
    private static FileChannel openWritable(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (FileSystemException | UnsupportedOperationException e) {
            // read-only file or file system: fall back to copying
            return null;
        }
    }

    private static NDArray toArray(String name, TensorInfo info, MemorySegment data, NDManager manager,
                                   boolean shareMapping) throws IOException {
        if (info.byteSize() > Integer.MAX_VALUE) {
            throw new IOException("tensor " + name + " has " + info.byteSize() + " bytes; at most 2 GiB per tensor");
        }
        MemorySegment slice = data.asSlice(info.begin(), info.byteSize());
        return switch (info.dtype()) {
            case F16 -> widen(manager, info.shape(), slice, false);
            case BF16 -> widen(manager, info.shape(), slice, true);
            default -> {
                boolean aligned = slice.address() % info.dtype().bytes() == 0;
                if (shareMapping && aligned && info.byteSize() > 0) {
                    // libtorch wraps the pages as they are; the array keeps the buffer, hence the mapping, alive.
                    ByteBuffer bytes = slice.asByteBuffer().order(ByteOrder.nativeOrder());
                    yield manager.create(bytes, info.shape(), info.dtype().readAs());
                }
                yield HostArrays.fill(manager, info.shape(), info.dtype().readAs(),
                        target -> MemorySegment.ofBuffer(target).copyFrom(slice));
            }
        };
    }

    /** float16 / bfloat16 -> float32, written straight into the new array. */
    private static NDArray widen(NDManager manager, Shape shape, MemorySegment slice, boolean bfloat16) {
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        return HostArrays.fill(manager, shape, DataType.FLOAT32, target -> {
            FloatBuffer floats = target.asFloatBuffer();
            for (int i = 0, n = floats.capacity(); i < n; i++) {
                short bits = slice.getAtIndex(half, i);
                // bfloat16 is the top half of a float32; float16 needs a real conversion.
                floats.put(i, bfloat16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat(bits));
            }
        });
    }

    private static Header readHeader(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw new IOException(file + " is not a safetensors file: " + fileSize + " bytes, shorter than the "
                    + "8-byte header length (truncated?)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0);
        long headerLength = lengthBytes.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw new IOException(file + " is not a safetensors file: header length " + headerLength);
        }
        if (8 + headerLength > fileSize) {
            throw new IOException(file + " is truncated: the header claims " + headerLength + " bytes but only "
                    + (fileSize - 8) + " follow the length");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8);
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IOException(file + " has a malformed safetensors header: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + " has a malformed safetensors header: not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataBytes = fileSize - dataStart;
        SequencedMap<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (METADATA.equals(field.getKey())) {
                field.getValue().properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            TensorInfo info = tensorInfo(file, field.getKey(), field.getValue());
            if (info.end() > dataBytes) {
                throw new IOException(file + " is truncated: tensor " + field.getKey() + " needs data bytes ["
                        + info.begin() + ", " + info.end() + ") but the data section has only " + dataBytes);
            }
            tensors.put(field.getKey(), info);
        }
        checkNoOverlap(file, tensors);
        return new Header(Collections.unmodifiableSequencedMap(tensors), Collections.unmodifiableMap(metadata),
                dataStart);
    }

    private static TensorInfo tensorInfo(Path file, String name, JsonNode node) throws IOException {
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offsets == null || !offsets.isArray()
                || offsets.size() != 2) {
            throw new IOException(file + ": header entry " + name + " needs dtype, shape and data_offsets [begin, end]");
        }
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(dtypeNode.asText());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": tensor " + name + " has unsupported dtype " + dtypeNode.asText());
        }
        long[] dims = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shapeNode.get(i).asLong(-1);
            if (dims[i] < 0) {
                throw new IOException(file + ": tensor " + name + " has a bad shape " + shapeNode);
            }
            elements = Math.multiplyExact(elements, dims[i]);
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        long expected = Math.multiplyExact(elements, dtype.bytes());
        if (begin < 0 || end < begin || end - begin != expected) {
            throw new IOException(file + ": tensor " + name + " has bad data_offsets [" + begin + ", " + end + "]: "
                    + dtype + " " + shapeNode + " needs " + expected + " bytes");
        }
        return new TensorInfo(dtype, new Shape(dims), begin, end);
    }

    private static void checkNoOverlap(Path file, Map<String, TensorInfo> tensors) throws IOException {
        List<Map.Entry<String, TensorInfo>> byBegin = new ArrayList<>(tensors.entrySet());
        byBegin.sort(Comparator.comparingLong(e -> e.getValue().begin()));
        for (int i = 1; i < byBegin.size(); i++) {
            Map.Entry<String, TensorInfo> previous = byBegin.get(i - 1);
            Map.Entry<String, TensorInfo> current = byBegin.get(i);
            if (current.getValue().begin() < previous.getValue().end()) {
                throw new IOException(file + ": tensors " + previous.getKey() + " and " + current.getKey()
                        + " overlap in the data section");
            }
        }
    }

    /**
     * Writes {@code tensors} (sorted by name) and {@code metadata} to {@code file}, atomically: the bytes go to a
     * temporary file beside it, which is synced and then moved over {@code file}, so a reader (or a crash) never sees
     * half a file. Arrays may live on any device; they are not modified.
     */
    public static void write(Path file, Map<String, ? extends NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        HostArrays.checkLittleEndianHost();
        SequencedMap<String, NDArray> sorted = new TreeMap<>(tensors).entrySet().stream().collect(
                LinkedHashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll);
        byte[] header = header(sorted, metadata);
        AtomicFiles.write(file, channel -> {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(channel, length);
            writeFully(channel, ByteBuffer.wrap(header));
            for (NDArray array : sorted.values()) {
                writeData(channel, array);
            }
        });
    }

    private static byte[] header(SequencedMap<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            NDArray array = entry.getValue();
            Dtype dtype = Dtype.of(array.getDataType());
            long bytes = array.size() * dtype.bytes();
            ObjectNode node = root.putObject(entry.getKey());
            node.put("dtype", dtype.name());
            ArrayNode shape = node.putArray("shape");
            for (long d : array.getShape().getShape()) {
                shape.add(d);
            }
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        // Pad with spaces so the data section starts 8-byte aligned: every dtype can then be mapped in place.
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = new byte[padded];
        System.arraycopy(json, 0, header, 0, json.length);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeData(FileChannel channel, NDArray array) throws IOException {
        if (array.size() == 0) {
            return;
        }
        try (NDManager scope = NDManager.newBaseManager(Device.cpu(), array.getManager().getEngine()
                .getEngineName())) {
            NDArray host;
            if (array.getDevice().equals(Device.cpu())) {
                // Parked in the scope, so a contiguous copy (made only for a strided array) is freed with it.
                array.tempAttach(scope);
                host = array;
            } else {
                host = array.toDevice(Device.cpu(), true);
                host.attach(scope);
            }
            writeFully(channel, host.toByteBuffer(true).order(ByteOrder.nativeOrder()));
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Convenience for callers that only need the {@code __metadata__} map. */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        return readHeader(file).metadata();
    }
}
