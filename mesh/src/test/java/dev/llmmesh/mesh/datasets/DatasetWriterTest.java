package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetWriterTest {
    @TempDir
    Path dir;

    private FileArtifactStore store() {
        return new FileArtifactStore(dir);
    }

    private DatasetInfo upload(String id, DatasetFormat format, String body) throws IOException {
        return new DatasetWriter(store()).upload(id, id, format, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anUploadsRowsAreReadBackPageByPageInOrder() throws Exception {
        StringBuilder array = new StringBuilder("[\n");
        for (int i = 0; i < 7; i++) {
            array.append(i == 0 ? "" : ",\n").append("{\"instruction\":\"q").append(i).append("\",\"output\":\"a").append(i).append("\"}");
        }
        DatasetInfo info = upload("qa", DatasetFormat.ALPACA, array.append("\n]\n").toString());
        assertEquals(7, info.rows());
        assertEquals(9, info.lines());
        assertEquals("alpaca", info.format());

        DatasetRows rows = new Datasets(store()).rows("qa").orElseThrow();
        assertEquals(7, rows.total());
        assertEquals(List.of("q2", "q3", "q4"), rows.page(2, 3).stream().map(r -> r.get("instruction").textValue()).toList());
        assertEquals(List.of("q6"), rows.page(6, 3).stream().map(r -> r.get("instruction").textValue()).toList());
        assertEquals(List.of(), rows.page(7, 3));
        List<Long> indices = new ArrayList<>();
        rows.forEach((index, row) -> indices.add(index));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), indices);
        assertTrue(new Datasets(store()).find("nope").isEmpty());
        assertTrue(new Datasets(store()).rows("nope").isEmpty());
    }

    @Test
    void aTextDatasetsRowsAreItsLinesCutAsItsLinesAreCounted() throws Exception {
        String text = "one\r\ntwo\rthree\n\nfive";
        DatasetInfo info = upload("lines", DatasetFormat.TEXT, text);
        assertEquals(5, info.lines());
        assertEquals(5, info.rows());
        assertEquals(text, Files.readString(dir.resolve("datasets/lines/data.txt")), "text is kept as it came");
        assertFalse(store().exists(ArtifactKeys.datasetRows("lines")), "a text dataset's rows are its text");
        List<String> read = new ArrayList<>();
        new Datasets(store()).rows("lines").orElseThrow().forEach((i, row) -> read.add(row.get("text").textValue()));
        assertEquals(List.of("one", "two", "three", "", "five"), read);
    }

    @Test
    void aRefusedUploadLeavesNothingAndATakenIdIsRefused() throws Exception {
        var bad = assertThrows(InvalidDatasetException.class, () -> upload("bad", DatasetFormat.JSONL_LABELED,
                "{\"text\":\"a\",\"label\":1}\n{\"text\":\"b\"}\n"));
        assertEquals("line 2", bad.where());
        assertFalse(Files.exists(dir.resolve("datasets/bad")));

        upload("taken", DatasetFormat.TEXT, "x");
        assertThrows(FileAlreadyExistsException.class, () -> upload("taken", DatasetFormat.JSONL_TEXT, "{\"text\":\"y\"}"));
        assertEquals("x", Files.readString(dir.resolve("datasets/taken/data.txt")));
    }

    @Test
    void aDatasetStoredBeforeFormatsHadNamesReadsAsJsonlText() throws Exception {
        var store = store();
        store.write(ArtifactKeys.datasetJsonl("old"), "{\"text\":\"a\",\"meta\":1}\n\n{\"text\":\"b\"}\n".getBytes(StandardCharsets.UTF_8));
        store.write(ArtifactKeys.datasetText("old"), "a<|endoftext|>b".getBytes(StandardCharsets.UTF_8));
        store.write(ArtifactKeys.datasetInfo("old"), ("{\"id\":\"old\",\"object\":\"dataset\",\"name\":\"old\",\"format\":\"jsonl\","
                + "\"bytes\":40,\"lines\":3,\"documents\":2,\"textBytes\":15,\"createdAt\":\"2026-11-01T00:00:00Z\"}")
                .getBytes(StandardCharsets.UTF_8));
        DatasetInfo info = new Datasets(store).find("old").orElseThrow();
        assertEquals("jsonl-text", info.format());
        assertEquals(2, info.rows());
        List<ObjectNode> rows = new Datasets(store).rows("old").orElseThrow().page(0, 10);
        assertEquals("[{\"text\":\"a\"}, {\"text\":\"b\"}]", rows.toString());
    }
}
