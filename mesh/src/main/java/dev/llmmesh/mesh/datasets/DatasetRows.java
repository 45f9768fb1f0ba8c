package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A dataset's rows, read from the artifact store by whoever needs them (the gateway's preview, the trainer, the
 * evaluator), each an object with its format's fields ({@code {"text": ...}} for each line of a text dataset).
 * Rows are read in order from the start ({@link ArtifactLines}); a page far into a large dataset costs a scan of the
 * rows before it.
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
        List<ObjectNode> page = new ArrayList<>(Math.clamp(limit, 0, 1024));
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
        if (!format.storesRows()) {
            ArtifactLines.text(artifacts, ArtifactKeys.datasetText(info.id())).visit(offset, limit,
                    (index, line, text) -> visitor.row(index, row(format, text, false, line)));
            return;
        }
        String key = ArtifactKeys.datasetRows(info.id());
        boolean legacy = !artifacts.exists(key);
        ArtifactLines.jsonl(artifacts, legacy ? ArtifactKeys.datasetJsonl(info.id()) : key).visit(offset, limit,
                (index, line, text) -> visitor.row(index, row(format, text, legacy, line)));
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
