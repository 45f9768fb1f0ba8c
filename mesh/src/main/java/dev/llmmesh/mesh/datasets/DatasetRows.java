package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A dataset's rows, read from the artifact store by whoever needs them (the gateway's preview, the trainer, the
 * evaluator), each an object with its format's fields ({@code {"text": ...}} for each line of a text dataset).
 * Rows are read in order from the start; a page far into a large dataset costs a scan of the rows before it.
 */
public final class DatasetRows {
    private final ArtifactStore artifacts;
    private final DatasetInfo info;

    public DatasetRows(ArtifactStore artifacts, DatasetInfo info) {
        this.artifacts = artifacts;
        this.info = info;
    }

    public DatasetInfo info() {
        return info;
    }

    public long total() {
        return info.rows();
    }

    /** Rows {@code [offset, offset + limit)}; fewer (or none) at the end. */
    public List<ObjectNode> page(long offset, int limit) throws IOException {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must be 0 or more, got " + offset + " and " + limit);
        }
        List<ObjectNode> page = new ArrayList<>(Math.min(limit, 1024));
        visit(offset, limit, (index, row) -> page.add(row));
        return page;
    }

    @FunctionalInterface
    public interface Visitor {
        /** @param index the row's place in the dataset, from 0 */
        void row(long index, ObjectNode row) throws IOException;
    }

    /** Every row, in order. */
    public void forEach(Visitor visitor) throws IOException {
        visit(0, Long.MAX_VALUE, visitor);
    }

    private void visit(long offset, long limit, Visitor visitor) throws IOException {
        DatasetFormat format = info.datasetFormat();
        String key = ArtifactKeys.datasetText(info.id());
        boolean legacy = false;
        if (format.storesRows()) {
            key = ArtifactKeys.datasetRows(info.id());
            legacy = !artifacts.exists(key);
            key = legacy ? ArtifactKeys.datasetJsonl(info.id()) : key;
        }
        long end = limit > Long.MAX_VALUE - offset ? Long.MAX_VALUE : offset + limit;
        try (var reader = new BufferedReader(new InputStreamReader(artifacts.open(key), StandardCharsets.UTF_8),
                64 * 1024)) {
            long index = 0;
            long line = 0;
            for (String text; index < end && (text = reader.readLine()) != null; ) {
                line++;
                if (format.storesRows() && text.isBlank()) {
                    continue;
                }
                if (index >= offset) {
                    visitor.row(index, row(format, text, legacy, line));
                }
                index++;
            }
        }
    }

    private static ObjectNode row(DatasetFormat format, String text, boolean legacy, long line) throws IOException {
        if (!format.storesRows()) {
            return JsonNodeFactory.instance.objectNode().put("text", text);
        }
        JsonNode node = Json.LENIENT.readTree(text);
        // An upload stored as sent (before rows.jsonl) may carry other fields: kept to the format's own.
        return legacy ? format.row(node, "line " + line) : (ObjectNode) node;
    }
}
