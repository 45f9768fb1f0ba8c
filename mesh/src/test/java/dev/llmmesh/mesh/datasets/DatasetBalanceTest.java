package dev.llmmesh.mesh.datasets;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetBalanceTest {
    @TempDir
    Path dir;

    private FileArtifactStore store() {
        return new FileArtifactStore(dir);
    }

    /** {@code ham} rows {@code h0..}, {@code spam} rows {@code s0..}, interleaved. */
    private void upload(String id, int ham, int spam) throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < Math.max(ham, spam); i++) {
            if (i < ham) {
                body.append("{\"text\":\"h").append(i).append("\",\"label\":\"ham\"}\n");
            }
            if (i < spam) {
                body.append("{\"text\":\"s").append(i).append("\",\"label\":\"spam\"}\n");
            }
        }
        new DatasetWriter(store()).upload(id, id, DatasetFormat.JSONL_LABELED,
                new ByteArrayInputStream(body.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> texts(String id) throws IOException {
        List<String> texts = new ArrayList<>();
        new Datasets(store()).rows(id).orElseThrow().forEach((i, row) -> texts.add(row.get("text").textValue()));
        return texts;
    }

    @Test
    void everyLabelKeepsTheRarestLabelsCountInTheParentsOrderWithProvenance() throws Exception {
        upload("mail", 40, 7);
        var balanced = new DatasetBalance(store()).write("mail", 3);
        assertEquals("mail-balanced-s3", balanced.datasetId());
        assertEquals(Map.of("ham", 7L, "spam", 7L), balanced.perLabel());
        assertEquals(14, balanced.rows());
        List<String> rows = texts(balanced.datasetId());
        assertEquals(14, rows.size());
        assertEquals(7, rows.stream().filter(t -> t.startsWith("s")).count(), "the rare label keeps all its rows");
        assertEquals(7, rows.stream().filter(t -> t.startsWith("h")).distinct().count());
        List<String> parentOrder = new ArrayList<>(texts("mail"));
        parentOrder.retainAll(rows);
        assertEquals(parentOrder, rows, "rows keep the parent's order");
        DatasetInfo info = new Datasets(store()).find(balanced.datasetId()).orElseThrow();
        assertEquals("mail", info.parent());
        assertEquals(3L, info.seed());
        assertEquals(DatasetInfo.BALANCED, info.method());
        assertEquals("jsonl-labeled", info.format());
        assertEquals(14, info.rows());
        assertEquals(Map.of("ham", 7L, "spam", 7L), DatasetLabels.count(new Datasets(store()).rows(info.id()).orElseThrow()));
    }

    @Test
    void theSameSeedChoosesTheSameRowsAndAnotherSeedOthers() throws Exception {
        upload("mail", 200, 20);
        List<String> a = texts(new DatasetBalance(store()).write("mail", 1).datasetId());
        Path rows = dir.resolve(ArtifactKeys.datasetRows("mail-balanced-s1"));
        var written = Files.getLastModifiedTime(rows);
        // Redelivery: found, not rewritten.
        assertEquals("mail-balanced-s1", new DatasetBalance(store()).write("mail", 1).datasetId());
        assertEquals(written, Files.getLastModifiedTime(rows));
        assertEquals(a, texts("mail-balanced-s1"));
        List<String> b = texts(new DatasetBalance(store()).write("mail", 2).datasetId());
        assertNotEquals(a, b);
        assertEquals(40, b.size());
    }

    @Test
    void integerLabelsAreClassesByTheirText() throws Exception {
        new DatasetWriter(store()).upload("n", "n", DatasetFormat.JSONL_LABELED, new ByteArrayInputStream("""
                {"text":"a","label":1}
                {"text":"b","label":"1"}
                {"text":"c","label":0}
                """.getBytes(StandardCharsets.UTF_8)));
        assertEquals(new TreeMap<>(Map.of("0", 1L, "1", 2L)), DatasetLabels.count(new Datasets(store()).rows("n").orElseThrow()));
        assertEquals(2, new DatasetBalance(store()).write("n", 42).rows());
    }

    @Test
    void aDatasetWithoutLabelsOrThatTakesTheIdIsRefused() throws Exception {
        new DatasetWriter(store()).upload("plain", "plain", DatasetFormat.TEXT,
                new ByteArrayInputStream("a\nb\n".getBytes(StandardCharsets.UTF_8)));
        var e = assertThrows(IllegalArgumentException.class, () -> new DatasetBalance(store()).write("plain", 1));
        assertTrue(e.getMessage().contains("not jsonl-labeled"), e.getMessage());
        upload("m", 3, 2);
        upload("m-balanced-s9", 1, 1);
        var taken = assertThrows(IllegalStateException.class, () -> new DatasetBalance(store()).write("m", 9));
        assertTrue(taken.getMessage().contains("use another seed"), taken.getMessage());
    }
}
