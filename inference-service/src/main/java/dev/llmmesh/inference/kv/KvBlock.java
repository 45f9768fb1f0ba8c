package dev.llmmesh.inference.kv;

/**
 * Attention keys and values of one run of positions {@code [from, from + length)} of one sequence: per layer, keys
 * and values as {@code [heads, length, headDim]} float32, row-major (the layout of one slot of core's KvCache).
 *
 * @param model a fingerprint of the weights they were computed with: a re-published model under the same id must
 *              not read its predecessor's states
 */
public record KvBlock(long model, int layers, int heads, int headDim, int from, int length, float[][] keys,
                      float[][] values) {
    public KvBlock {
        if (layers < 1 || heads < 1 || headDim < 1 || from < 0 || length < 1) {
            throw new IllegalArgumentException("bad KV block shape: " + layers + " layers, " + heads + " heads, "
                    + headDim + " head dim, positions " + from + "+" + length);
        }
        if (keys.length != layers || values.length != layers) {
            throw new IllegalArgumentException("KV block needs keys and values for each of its " + layers + " layers");
        }
        int floats = heads * length * headDim;
        for (int i = 0; i < layers; i++) {
            if (keys[i].length != floats || values[i].length != floats) {
                throw new IllegalArgumentException("layer " + i + " holds " + keys[i].length + "/" + values[i].length
                        + " floats, the shape needs " + floats);
            }
        }
    }

    /** Bytes of keys and values, the header aside. */
    public long bytes() {
        return 2L * layers * heads * length * headDim * Float.BYTES;
    }
}
