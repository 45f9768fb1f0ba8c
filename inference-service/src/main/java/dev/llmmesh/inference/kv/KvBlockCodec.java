package dev.llmmesh.inference.kv;

import dev.llmmesh.core.model.KvCache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A {@link KvBlock} as bytes in Redis: a fixed header, then per layer the keys and the values as little-endian
 * float32. Float32 as computed, so a sequence continued from a stored prefix decodes what a full prefill would.
 */
public final class KvBlockCodec {
    /** "LKV1": a reader meeting anything else treats the entry as a miss. */
    private static final int MAGIC = 0x4C4B5631;
    private static final int HEADER = 4 + 8 + 5 * 4;

    private KvBlockCodec() {
    }

    public static byte[] encode(KvBlock block) {
        long size = HEADER + block.bytes();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a KV block of " + size + " bytes does not fit one entry");
        }
        KvCache.Run run = block.run();
        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putLong(block.model()).putInt(run.layers()).putInt(run.heads()).putInt(run.headDim())
                .putInt(run.from()).putInt(run.length());
        FloatBuffer floats = out.asFloatBuffer();
        for (int layer = 0; layer < run.layers(); layer++) {
            floats.put(run.keys()[layer]);
            floats.put(run.values()[layer]);
        }
        return out.array();
    }

    /** @throws IllegalArgumentException when the bytes are not a block this codec wrote */
    public static KvBlock decode(byte[] bytes) {
        if (bytes.length < HEADER) {
            throw new IllegalArgumentException("a KV block entry of " + bytes.length + " bytes is shorter than its header");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (in.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a KV block entry (bad magic)");
        }
        long model = in.getLong();
        int layers = in.getInt();
        int heads = in.getInt();
        int headDim = in.getInt();
        int from = in.getInt();
        int length = in.getInt();
        long floatsPerArray = (long) heads * length * headDim;
        if (layers < 1 || floatsPerArray < 1 || HEADER + 2L * layers * floatsPerArray * Float.BYTES != bytes.length) {
            throw new IllegalArgumentException("KV block entry of " + bytes.length + " bytes does not match its header");
        }
        FloatBuffer floats = in.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[][] keys = new float[layers][(int) floatsPerArray];
        float[][] values = new float[layers][(int) floatsPerArray];
        for (int layer = 0; layer < layers; layer++) {
            floats.get(keys[layer]);
            floats.get(values[layer]);
        }
        try {
            return new KvBlock(model, new KvCache.Run(from, length, heads, headDim, keys, values));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("KV block entry with an impossible header: " + e.getMessage(), e);
        }
    }
}
