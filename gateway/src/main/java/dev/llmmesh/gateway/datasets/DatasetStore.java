package dev.llmmesh.gateway.datasets;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.format.ReadableBytes;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Datasets in the artifact store. An upload is streamed straight to its files (never held in memory) and
 * appears atomically: a failed or refused upload leaves nothing behind.
 */
@Singleton
public class DatasetStore {
    /** How documents of a JSONL upload are separated in the text jobs read: GPT-2's document boundary. */
    static final String DOCUMENT_SEPARATOR = "<|endoftext|>";

    private final ArtifactStore artifacts;
    private final long maxBytes;

    public DatasetStore(ArtifactStore artifacts, @Value("${llm.gateway.max-dataset-bytes}") @ReadableBytes long maxBytes) {
        this.artifacts = artifacts;
        this.maxBytes = maxBytes;
    }

    public DatasetInfo upload(String id, String name, DatasetFormat format, InputStream body) throws IOException {
        if (artifacts.exists(ArtifactKeys.datasetInfo(id)) || artifacts.exists(ArtifactKeys.datasetText(id))) {
            throw conflict(id);
        }
        LimitedInputStream in = new LimitedInputStream(body, maxBytes);
        Counts counts = new Counts();
        if (format == DatasetFormat.TEXT) {
            artifacts.write(ArtifactKeys.datasetText(id), out -> copyText(in, out, counts));
        } else {
            // Nested writes: the JSONL and its text appear together or, on a bad line, neither does.
            artifacts.write(ArtifactKeys.datasetJsonl(id), raw -> artifacts.write(ArtifactKeys.datasetText(id),
                    text -> splitJsonl(in, raw, text, counts)));
        }
        DatasetInfo info = new DatasetInfo(id, DatasetInfo.OBJECT, name, format.label(), in.count(), counts.lines,
                format == DatasetFormat.JSONL ? counts.documents : null,
                artifacts.size(ArtifactKeys.datasetText(id)), Instant.now());
        if (!artifacts.createIfAbsent(ArtifactKeys.datasetInfo(id), Json.bytes(info))) {
            throw conflict(id);
        }
        return info;
    }

    public Optional<DatasetInfo> find(String id) throws IOException {
        String key = ArtifactKeys.datasetInfo(id);
        if (!artifacts.exists(key)) {
            return Optional.empty();
        }
        try (InputStream in = artifacts.open(key)) {
            return Optional.of(Json.LENIENT.readValue(in, DatasetInfo.class));
        }
    }

    /** Uploaded datasets, by id; directories without a record (e.g. made by hand) are left out. */
    public List<DatasetInfo> list() throws IOException {
        List<DatasetInfo> all = new ArrayList<>();
        for (String id : artifacts.list(ArtifactKeys.DATASETS)) {
            find(id).ifPresent(all::add);
        }
        return all;
    }

    private static void copyText(InputStream in, OutputStream out, Counts counts) throws IOException {
        BufferedReader reader = utf8(in);
        BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        char[] buffer = new char[64 * 1024];
        boolean endsWithNewline = true;
        for (int n; (n = read(reader, buffer, counts)) > 0; ) {
            for (int i = 0; i < n; i++) {
                if (buffer[i] == '\n') {
                    counts.lines++;
                }
            }
            endsWithNewline = buffer[n - 1] == '\n';
            writer.write(buffer, 0, n);
        }
        if (!endsWithNewline) {
            counts.lines++;
        }
        writer.flush();
    }

    private static void splitJsonl(InputStream in, OutputStream raw, OutputStream text, Counts counts) throws IOException {
        BufferedReader reader = utf8(in);
        BufferedWriter rawWriter = new BufferedWriter(new OutputStreamWriter(raw, StandardCharsets.UTF_8));
        BufferedWriter textWriter = new BufferedWriter(new OutputStreamWriter(text, StandardCharsets.UTF_8));
        for (String line; (line = readLine(reader, counts)) != null; ) {
            counts.lines++;
            if (line.isBlank()) {
                continue;
            }
            String document = documentText(line, counts.lines);
            if (counts.documents > 0) {
                textWriter.write(DOCUMENT_SEPARATOR);
            }
            textWriter.write(document);
            counts.documents++;
            rawWriter.write(line);
            rawWriter.write('\n');
        }
        if (counts.documents == 0) {
            throw ProblemException.badField("body", "the JSONL upload has no documents");
        }
        rawWriter.flush();
        textWriter.flush();
    }

    private static String documentText(String line, long lineNumber) {
        String field = "line " + lineNumber;
        JsonNode node;
        try {
            node = Json.STRICT.readTree(line);
        } catch (JacksonException e) {
            throw ProblemException.badField(field, field + " is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject() || !node.path("text").isTextual()) {
            throw ProblemException.badField(field, field + " must be a JSON object with a string field 'text'");
        }
        return node.get("text").textValue();
    }

    private static BufferedReader utf8(InputStream in) {
        // A decoder that reports, not replaces: a binary or mis-encoded upload is refused, not silently mangled.
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()), 64 * 1024);
    }

    private static int read(BufferedReader reader, char[] buffer, Counts counts) throws IOException {
        try {
            return reader.read(buffer);
        } catch (CharacterCodingException e) {
            throw notUtf8(counts);
        }
    }

    private static String readLine(BufferedReader reader, Counts counts) throws IOException {
        try {
            return reader.readLine();
        } catch (CharacterCodingException e) {
            throw notUtf8(counts);
        }
    }

    private static ProblemException notUtf8(Counts counts) {
        return ProblemException.badField("body", "the upload is not valid UTF-8 (near line " + (counts.lines + 1)
                + "); datasets must be UTF-8 text");
    }

    private static ProblemException conflict(String id) {
        return new ProblemException(HttpStatus.CONFLICT, "id", "dataset '" + id + "' already exists; choose another "
                + "id or leave id out to get a fresh one");
    }

    private static final class Counts {
        long lines;
        long documents;
    }
}
