package dev.llmmesh.mesh.datasets;

import dev.llmmesh.mesh.ArtifactStore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A text or JSONL file in the artifact store read as numbered items, a page at a time: a dataset's rows, an
 * evaluation's samples. Items are read in order from the start (a page far in costs a scan of what comes before it),
 * and only the page's are handed on, so a file is never parsed past the page. In JSONL a blank line is no item; in
 * text every line is one, as {@link BufferedReader#readLine} cuts them.
 */
public final class ArtifactLines {
    private final ArtifactStore artifacts;
    private final String key;
    private final boolean jsonl;

    private ArtifactLines(ArtifactStore artifacts, String key, boolean jsonl) {
        this.artifacts = artifacts;
        this.key = key;
        this.jsonl = jsonl;
    }

    /** One item per non-blank line. */
    public static ArtifactLines jsonl(ArtifactStore artifacts, String key) {
        return new ArtifactLines(artifacts, key, true);
    }

    /** One item per line, blank ones included. */
    public static ArtifactLines text(ArtifactStore artifacts, String key) {
        return new ArtifactLines(artifacts, key, false);
    }

    @FunctionalInterface
    public interface Visitor {
        /**
         * @param index the item's place, from 0
         * @param line  its line in the file, from 1 (past blank lines in JSONL), for a message naming it
         */
        void item(long index, long line, String text) throws IOException;
    }

    @FunctionalInterface
    public interface Parser<T> {
        T parse(String text) throws IOException;
    }

    /** @param total how many items the whole file holds */
    public record Page<T>(List<T> items, long total) {
    }

    /** Items {@code [offset, offset + limit)}, in order; the file is read no further than the page. */
    public void visit(long offset, long limit, Visitor visitor) throws IOException {
        scan(offset, limit, false, visitor);
    }

    /**
     * Items {@code [offset, offset + limit)} parsed (fewer or none at the end), and how many there are in all: the
     * rest is counted, not parsed, so the total costs one scan and no parsing.
     */
    public <T> Page<T> page(long offset, int limit, Parser<T> parser) throws IOException {
        List<T> items = new ArrayList<>(Math.clamp(limit, 0, 1024));
        long total = scan(offset, limit, true, (index, line, text) -> items.add(parser.parse(text)));
        return new Page<>(items, total);
    }

    /** @return the items read: all of them when {@code toEnd}, else up to the page's end */
    private long scan(long offset, long limit, boolean toEnd, Visitor visitor) throws IOException {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must be 0 or more, got " + offset + " and " + limit);
        }
        long end = limit > Long.MAX_VALUE - offset ? Long.MAX_VALUE : offset + limit;
        try (var reader = new BufferedReader(new InputStreamReader(artifacts.open(key), StandardCharsets.UTF_8),
                64 * 1024)) {
            long index = 0;
            long line = 0;
            for (String text; (toEnd || index < end) && (text = reader.readLine()) != null; ) {
                line++;
                if (jsonl && text.isBlank()) {
                    continue;
                }
                if (index >= offset && index < end) {
                    visitor.item(index, line, text);
                }
                index++;
            }
            return index;
        }
    }
}
