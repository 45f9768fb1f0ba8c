package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The class labels of a {@code jsonl-labeled} dataset. A label is read as text ({@code 1} and {@code "1"} are the same
 * class), which is how a classifier names its classes.
 */
public final class DatasetLabels {
    private DatasetLabels() {
    }

    /** The label of a checked {@code jsonl-labeled} row, as text. */
    public static String of(JsonNode row) {
        return row.get("label").asText();
    }

    /** Rows per label, labels sorted. */
    public static Map<String, Long> count(DatasetRows rows) throws IOException {
        requireLabeled(rows.info());
        Map<String, Long> counts = new TreeMap<>();
        rows.forEach((index, row) -> counts.merge(of(row), 1L, Long::sum));
        return counts;
    }

    static void requireLabeled(DatasetInfo info) {
        if (info.datasetFormat() != DatasetFormat.JSONL_LABELED) {
            throw new IllegalArgumentException("dataset '" + info.id() + "' is " + info.format() + ", not "
                    + DatasetFormat.JSONL_LABELED.apiName() + ": its rows have no labels");
        }
    }
}
