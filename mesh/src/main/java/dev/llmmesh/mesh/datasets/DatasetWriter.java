package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.time.Instant;

/**
 * Writes datasets into the artifact store: an upload, streamed and checked row by row (never held in memory), or
 * rows already checked (a split). A dataset appears whole or not at all: its files are written first, its
 * {@code dataset.json} last, and a refused upload leaves nothing behind.
 */
public final class DatasetWriter {
    /** One JSON value per line, nothing after it: {@code {"text":"a"} junk} is a bad row, not a good one. */
    private static final ObjectReader LINE = Json.STRICT.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ArtifactStore artifacts;

    public DatasetWriter(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    /**
     * Stores {@code body} as dataset {@code id} in {@code format}.
     *
     * @throws FileAlreadyExistsException when a dataset {@code id} exists
     * @throws InvalidDatasetException    naming the first row that does not fit the format, and its field
     */
    public DatasetInfo upload(String id, String name, DatasetFormat format, InputStream body) throws IOException {
        if (artifacts.exists(ArtifactKeys.datasetInfo(id)) || artifacts.exists(ArtifactKeys.datasetText(id))) {
            throw new FileAlreadyExistsException(ArtifactKeys.datasetInfo(id));
        }
        Counting in = new Counting(body);
        Counts counts = new Counts();
        if (!format.storesRows()) {
            artifacts.write(ArtifactKeys.datasetText(id), out -> copyText(in, out, counts));
        } else {
            // Nested writes: the rows and their text appear together or, on a bad row, neither does.
            artifacts.write(ArtifactKeys.datasetRows(id), rows -> artifacts.write(ArtifactKeys.datasetText(id), text -> {
                RowSink sink = new RowSink(format, rows, text);
                parse(format, utf8(in), sink, counts);
                if (sink.rows() == 0) {
                    throw new InvalidDatasetException("body", null, "holds no rows; a " + format.apiName()
                            + " dataset is one " + format.schema() + " per line");
                }
                sink.flush();
                counts.rows = sink.rows();
            }));
        }
        DatasetInfo info = new DatasetInfo(id, DatasetInfo.OBJECT, name, format.apiName(), in.count, counts.lines,
                counts.rows, artifacts.size(ArtifactKeys.datasetText(id)), null, null, null, null, null, Instant.now());
        return record(info);
    }

    /** Rows to write: each handed to {@code sink} in order. */
    @FunctionalInterface
    public interface RowSource {
        void writeTo(RowSink sink) throws IOException;
    }

    /**
     * Stores checked rows as a dataset described by {@code template} (its counts and time are filled in here).
     *
     * @throws FileAlreadyExistsException when a {@code dataset.json} for the id exists
     */
    public DatasetInfo write(DatasetInfo template, RowSource source) throws IOException {
        String id = template.id();
        DatasetFormat format = template.datasetFormat();
        long[] rows = new long[1];
        if (format.storesRows()) {
            artifacts.write(ArtifactKeys.datasetRows(id), out -> artifacts.write(ArtifactKeys.datasetText(id),
                    text -> rows[0] = fill(new RowSink(format, out, text), source)));
        } else {
            artifacts.write(ArtifactKeys.datasetText(id), text -> rows[0] = fill(new RowSink(format, null, text), source));
        }
        String stored = format.storesRows() ? ArtifactKeys.datasetRows(id) : ArtifactKeys.datasetText(id);
        return record(new DatasetInfo(id, DatasetInfo.OBJECT, template.name(), format.apiName(), artifacts.size(stored),
                rows[0], rows[0], artifacts.size(ArtifactKeys.datasetText(id)), template.parent(), template.split(),
                template.seed(), template.fractions(), null, Instant.now(), template.method()));
    }

    private static long fill(RowSink sink, RowSource source) throws IOException {
        source.writeTo(sink);
        sink.flush();
        return sink.rows();
    }

    private DatasetInfo record(DatasetInfo info) throws IOException {
        if (!artifacts.createIfAbsent(ArtifactKeys.datasetInfo(info.id()), Json.bytes(info))) {
            throw new FileAlreadyExistsException(ArtifactKeys.datasetInfo(info.id()));
        }
        return info;
    }

    private static void parse(DatasetFormat format, BufferedReader reader, RowSink sink, Counts counts)
            throws IOException {
        try {
            if (format == DatasetFormat.ALPACA && startsArray(reader)) {
                parseArray(format, reader, sink, counts);
            } else {
                for (String line; (line = reader.readLine()) != null; ) {
                    counts.lines++;
                    if (line.isBlank()) {
                        continue;
                    }
                    String where = "line " + counts.lines;
                    JsonNode node;
                    try {
                        node = LINE.readTree(line);
                    } catch (JacksonException e) {
                        throw new InvalidDatasetException(where, null, "is not JSON: " + e.getOriginalMessage());
                    }
                    sink.add(format.row(node, where));
                }
            }
        } catch (CharacterCodingException e) {
            throw notUtf8(counts);
        }
    }

    /** A JSON array of rows (Alpaca's own files are one), read one element at a time. */
    private static void parseArray(DatasetFormat format, BufferedReader reader, RowSink sink, Counts counts)
            throws IOException {
        int index = 0;
        try (JsonParser parser = Json.STRICT.createParser(reader)) {
            parser.nextToken();
            for (JsonToken t; (t = parser.nextToken()) != JsonToken.END_ARRAY; index++) {
                String where = "element [" + index + "]";
                if (t == null) {
                    throw new InvalidDatasetException(where, null, "is missing: the JSON array is not closed");
                }
                if (t != JsonToken.START_OBJECT) {
                    throw new InvalidDatasetException(where, null, "must be a JSON object " + format.schema()
                            + ", got " + t.asString());
                }
                sink.add(format.row(Json.STRICT.readTree(parser), where));
                counts.lines = parser.currentLocation().getLineNr();
            }
            if (parser.nextToken() != null) {
                throw new InvalidDatasetException("body", null, "goes on after the JSON array's closing ']' (line "
                        + parser.currentLocation().getLineNr() + "); send one array, or JSONL");
            }
            // Lines as readLine counts them: a final line break ends the last line rather than starting one.
            var end = parser.currentLocation();
            counts.lines = end.getLineNr() - (end.getColumnNr() <= 1 ? 1 : 0);
        } catch (JacksonException e) {
            throw new InvalidDatasetException("element [" + index + "]", null, "is not JSON: "
                    + e.getOriginalMessage() + " (line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                    + ")");
        }
    }

    /** Whether the first character after white space (and a byte order mark) is '['; leaves the reader on it. */
    private static boolean startsArray(BufferedReader reader) throws IOException {
        while (true) {
            reader.mark(1);
            int c = reader.read();
            if (c < 0) {
                return false;
            }
            if (!Character.isWhitespace(c) && c != '\uFEFF') {
                reader.reset();
                return c == '[';
            }
        }
    }

    /** Copies text as it came, counting lines as {@link BufferedReader#readLine} (and so {@link DatasetRows}) cuts them. */
    private static void copyText(InputStream in, OutputStream out, Counts counts) throws IOException {
        BufferedReader reader = utf8(in);
        var writer = new java.io.BufferedWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8));
        char[] buffer = new char[64 * 1024];
        char last = '\n';
        try {
            for (int n; (n = reader.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    char c = buffer[i];
                    if (c == '\r' || (c == '\n' && last != '\r')) {
                        counts.lines++;
                    }
                    last = c;
                }
                writer.write(buffer, 0, n);
            }
        } catch (CharacterCodingException e) {
            throw notUtf8(counts);
        }
        if (last != '\n' && last != '\r') {
            counts.lines++;
        }
        counts.rows = counts.lines;
        writer.flush();
    }

    private static InvalidDatasetException notUtf8(Counts counts) {
        // Decoding runs ahead of counting by up to a buffer, so the line is where to start looking.
        return new InvalidDatasetException("body", null, "is not valid UTF-8 (the first bad byte is on line "
                + (counts.lines + 1) + " or later); datasets must be UTF-8 text");
    }

    private static BufferedReader utf8(InputStream in) {
        // A decoder that reports, not replaces: a binary or mis-encoded upload is refused, not silently mangled.
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()), 64 * 1024);
    }

    private static final class Counts {
        long lines;
        long rows;
    }

    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }
    }
}
