package dev.llmmesh.inference.kv;

import dev.llmmesh.core.model.KvCache;

import java.util.Objects;

/**
 * One run of a sequence's attention keys and values (core's {@link KvCache.Run}, which checks its shape) as it is
 * shared between replicas.
 *
 * @param model a fingerprint of the weights they were computed with: a re-published model under the same id must
 *              not read its predecessor's states
 */
public record KvBlock(long model, KvCache.Run run) {
    public KvBlock {
        Objects.requireNonNull(run, "run");
    }

    /** Bytes of keys and values, the header aside. */
    public long bytes() {
        return 2L * run.layers() * run.heads() * run.length() * run.headDim() * Float.BYTES;
    }
}
