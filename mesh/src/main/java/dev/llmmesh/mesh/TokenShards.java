package dev.llmmesh.mesh;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Token ids on disk and in Redis: packed little-endian int32, nothing else, so any tool can read them. */
public final class TokenShards {
    private TokenShards() {
    }

    public static byte[] pack(int[] ids) {
        ByteBuffer buf = ByteBuffer.allocate(ids.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asIntBuffer().put(ids);
        return buf.array();
    }

    public static int[] unpack(byte[] bytes) {
        if (bytes.length % Integer.BYTES != 0) {
            throw new IllegalArgumentException("a token shard holds whole int32s, got " + bytes.length + " bytes");
        }
        int[] ids = new int[bytes.length / Integer.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(ids);
        return ids;
    }
}
