package dev.llmmesh.mesh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Files shared between services (datasets, tokenizers, token shards, models), addressed by '/'-separated
 * keys such as {@code datasets/moby/data.txt}. A directory today; the interface is what an object store
 * would implement too: whole-object writes that appear atomically, no partial reads of a write in progress.
 */
public interface ArtifactStore {
    boolean exists(String key);

    /** @throws java.nio.file.NoSuchFileException when there is no such artifact */
    InputStream open(String key) throws IOException;

    /** Reads bytes {@code [from, to)} of an artifact. */
    byte[] readRange(String key, long from, long to) throws IOException;

    long size(String key) throws IOException;

    /** Writes an artifact; readers see either the old object or the whole new one. */
    void write(String key, Writer writer) throws IOException;

    default void write(String key, byte[] bytes) throws IOException {
        write(key, out -> out.write(bytes));
    }

    /** Writes only if absent; exactly one of several racing callers gets {@code true}. */
    boolean createIfAbsent(String key, byte[] bytes) throws IOException;

    /** Keys directly below a prefix ending in '/', names only, sorted. */
    List<String> list(String prefix) throws IOException;

    @FunctionalInterface
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }
}
