package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/** Where checked rows go: one JSON object per line in {@code rows.jsonl}, and their text in {@code data.txt}. */
public final class RowSink {
    private final DatasetFormat format;
    private final Writer rows;
    private final Writer text;
    private long count;

    /** @param rows null for a text dataset, whose rows are the lines of its text */
    RowSink(DatasetFormat format, OutputStream rows, OutputStream text) {
        this.format = format;
        this.rows = rows == null ? null : utf8(rows);
        this.text = utf8(text);
    }

    /** Adds a row as {@link DatasetFormat#row} returned it. */
    public void add(JsonNode row) throws IOException {
        if (rows == null) {
            text.write(format.text(row));
            text.write('\n');
        } else {
            rows.write(Json.LENIENT.writeValueAsString(row));
            rows.write('\n');
            if (count > 0) {
                text.write(DatasetFormat.DOCUMENT_SEPARATOR);
            }
            text.write(format.text(row));
        }
        count++;
    }

    long rows() {
        return count;
    }

    void flush() throws IOException {
        if (rows != null) {
            rows.flush();
        }
        text.flush();
    }

    private static Writer utf8(OutputStream out) {
        return new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
    }
}
