package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void roundTripKeepsValuesShapesTypesAndMetadata() throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("z.weight", manager.arange(0f, 12f).reshape(3, 4));
        tensors.put("a.bias", manager.create(new float[] {1.5f, -2f, 3.25f}));
        tensors.put("step", manager.create(new long[] {7L}));
        tensors.put("strided", manager.arange(0f, 6f).reshape(2, 3).transpose());
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, tensors, Map.of("format", "pt"));

        SafeTensors.Header header = SafeTensors.readHeader(file);
        assertEquals(List.of("a.bias", "step", "strided", "z.weight"), List.copyOf(header.tensors().keySet()),
                "tensors are written in name order");
        assertEquals(0, header.dataStart() % 8, "header padded to 8 bytes");
        assertEquals(Map.of("format", "pt"), header.metadata());
        assertEquals(new SafeTensors.TensorInfo(SafeTensors.Dtype.F32, new Shape(3), 0, 12),
                header.tensors().get("a.bias"));

        Map<String, NDArray> read = SafeTensors.read(file, manager);
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            NDArray actual = read.get(entry.getKey());
            assertEquals(entry.getValue().getDataType(), actual.getDataType(), entry.getKey());
            assertTrue(entry.getValue().contentEquals(actual), entry.getKey());
        }
        assertTrue(Files.list(dir).allMatch(p -> p.equals(file)), "no temporary file left behind");
    }

    @Test
    void loadedArraysMayBeUpdatedWithoutTouchingTheFile() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, Map.of("w", manager.ones(new Shape(1000))), Map.of());
        byte[] before = Files.readAllBytes(file);
        NDArray mapped = SafeTensors.read(file, manager).get("w");
        mapped.addi(1f);
        assertEquals(2f, mapped.getFloat(999));
        assertArrayEquals(before, Files.readAllBytes(file));

        NDArray copied = SafeTensors.read(file, manager, n -> true, false).get("w");
        copied.muli(3f);
        assertEquals(3f, copied.getFloat(0));
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void halfPrecisionIsWidenedToFloat() throws IOException {
        float[] values = {1f, -2.5f, 0.333251953125f, 65504f, 0f, 1e-3f};
        ByteBuffer f16 = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bf16 = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            f16.putShort(Float.floatToFloat16(v));
            bf16.putShort((short) (Float.floatToIntBits(v) >>> 16));
        }
        int n = values.length * 2;
        Path file = dir.resolve("half.safetensors");
        writeRaw(file, "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0," + n + "]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[6],\"data_offsets\":[" + n + "," + 2 * n + "]}}",
                concat(f16.array(), bf16.array()));
        Map<String, NDArray> read = SafeTensors.read(file, manager);
        NDArray h = read.get("h");
        assertEquals(DataType.FLOAT32, h.getDataType());
        assertEquals(new Shape(2, 3), h.getShape());
        float[] fromF16 = h.toFloatArray();
        float[] fromBf16 = read.get("b").toFloatArray();
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), fromF16[i]);
            assertEquals(Float.intBitsToFloat(Float.floatToIntBits(values[i]) & 0xFFFF0000), fromBf16[i]);
            assertEquals(values[i], fromBf16[i], Math.abs(values[i]) / 100);
        }
    }

    @Test
    void misalignedTensorsAreCopiedNotMapped() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.put((byte) 1).put((byte) 2).putFloat(3.5f).putFloat(-1f);
        Path file = dir.resolve("odd.safetensors");
        writeRaw(file, "{\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[2,10]}}", data.array());
        Map<String, NDArray> read = SafeTensors.read(file, manager);
        assertArrayEquals(new float[] {3.5f, -1f}, read.get("f").toFloatArray());
        assertArrayEquals(new byte[] {1, 2}, read.get("u").toByteArray());
    }

    @Test
    void truncatedFilesFailNamingWhatIsMissing() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, Map.of("a", manager.ones(new Shape(10)), "b", manager.ones(new Shape(10))), Map.of());
        long size = Files.size(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size - 4);
        }
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(file, manager));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("tensor b"), e.getMessage());

        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(20);
        }
        e = assertThrows(IOException.class, () -> SafeTensors.read(file, manager));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("header"), e.getMessage());

        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(5);
        }
        e = assertThrows(IOException.class, () -> SafeTensors.read(file, manager));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void badHeadersFailClearly() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        writeRaw(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[12]);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(file, manager));
        assertTrue(e.getMessage().contains("bad data_offsets") && e.getMessage().contains("needs 12 bytes"),
                e.getMessage());

        writeRaw(file, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        e = assertThrows(IOException.class, () -> SafeTensors.read(file, manager));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());

        writeRaw(file, "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        e = assertThrows(IOException.class, () -> SafeTensors.read(file, manager));
        assertTrue(e.getMessage().contains("unsupported dtype C64"), e.getMessage());

        writeRaw(file, "{not json", new byte[0]);
        e = assertThrows(IOException.class, () -> SafeTensors.read(file, manager));
        assertTrue(e.getMessage().contains("malformed"), e.getMessage());
    }

    static void writeRaw(Path file, String header, byte[] data) throws IOException {
        // padded like real writers, so the data section starts 8-aligned
        byte[] json = (header + " ".repeat((8 - header.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        out.write(json);
        out.write(data);
        Files.write(file, out.toByteArray());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
