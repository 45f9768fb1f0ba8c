package dev.llmmesh.mesh.datasets;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetSplitsTest {
    @TempDir
    Path dir;

    private static Map<String, Double> fractions(Object... nameAndFraction) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndFraction.length; i += 2) {
            m.put((String) nameAndFraction[i], (Double) nameAndFraction[i + 1]);
        }
        return m;
    }

    private static final Map<String, Double> SEVENTY_TEN_TWENTY = fractions("train", 0.7, "validation", 0.1, "test", 0.2);

    private FileArtifactStore store() {
        return new FileArtifactStore(dir);
    }

    private void labeled(String id, int rows) throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            body.append("{\"text\":\"row ").append(i).append("\",\"label\":").append(i % 2).append("}\n");
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
    void everyRowLandsInExactlyOneSplitOfTheFractionsSize() throws Exception {
        labeled("big", 1000);
        Map<String, String> ids = new DatasetSplits(store()).write("big", SEVENTY_TEN_TWENTY, 7);
        assertEquals(List.of("train", "validation", "test"), List.copyOf(ids.keySet()));
        List<String> all = new ArrayList<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (var e : ids.entrySet()) {
            List<String> rows = texts(e.getValue());
            sizes.put(e.getKey(), rows.size());
            all.addAll(rows);
            DatasetInfo info = new Datasets(store()).find(e.getValue()).orElseThrow();
            assertEquals("big", info.parent());
            assertEquals(e.getKey(), info.split());
            assertEquals(7L, info.seed());
            assertEquals(SEVENTY_TEN_TWENTY, info.fractions());
            assertEquals("jsonl-labeled", info.format());
            assertEquals(rows.size(), info.rows());
            // Rows keep their fields and the parent's order.
            List<Integer> numbers = rows.stream().map(t -> Integer.parseInt(t.substring(4))).toList();
            assertEquals(numbers.stream().sorted().toList(), numbers);
        }
        assertEquals(Map.of("train", 700, "validation", 100, "test", 200), sizes);
        assertEquals(1000, new HashSet<>(all).size(), "no row is in two splits");
        assertEquals(new HashSet<>(texts("big")), new HashSet<>(all), "every row is in a split");
        String train = ids.get("train");
        assertTrue(Files.readString(dir.resolve("datasets/" + train + "/data.txt")).contains("<|endoftext|>"),
                "a split has the text tokenize-dataset reads");
    }

    @Test
    void splitSizesAreFloorsOfTheFractionsWithTheRemainderToTheFirstSplit() {
        assertArrayEquals(new int[]{8, 1, 2}, DatasetSplits.sizes("d", 11, SEVENTY_TEN_TWENTY));
        assertArrayEquals(new int[]{86, 5, 10}, DatasetSplits.sizes("d", 101, fractions("train", 0.85, "validation", 0.05, "test", 0.1)));
        // 0.29 * 100 is 28.999999999999996 in doubles: still 29 rows.
        assertArrayEquals(new int[]{71, 29}, DatasetSplits.sizes("d", 100, fractions("a", 0.71, "b", 0.29)));
        var none = assertThrows(IllegalArgumentException.class, () -> DatasetSplits.sizes("d", 9, SEVENTY_TEN_TWENTY));
        assertTrue(none.getMessage().startsWith("splits: split 'validation' (0.1) of the 9 rows of dataset 'd' would get no rows"),
                none.getMessage());
    }

    @Test
    void theCutDependsOnlyOnTheSeedAndStaysTheSameAcrossCallsAndJvms() {
        int[] sizes = {7, 1, 2};
        byte[] cut = DatasetSplits.assign(sizes, 42);
        assertArrayEquals(cut, DatasetSplits.assign(sizes, 42));
        // Pinned: java.util.Random's sequence is specified, so a later JVM must cut the same way.
        assertEquals("[2, 0, 0, 2, 0, 1, 0, 0, 0, 0]", Arrays.toString(cut));
        assertNotEquals(Arrays.toString(cut), Arrays.toString(DatasetSplits.assign(sizes, 43)));
    }

    @Test
    void writingTheSameSplitAgainGivesTheSameIdsAndRowsWithoutRewriting() throws Exception {
        labeled("again", 50);
        var splits = new DatasetSplits(store());
        Map<String, String> first = splits.write("again", SEVENTY_TEN_TWENTY, 1);
        assertEquals("again-test-70.10.20-s1", first.get("test"));
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (String id : first.values()) {
            rows.put(id, texts(id));
        }
        Path info = dir.resolve(ArtifactKeys.datasetInfo(first.get("train")));
        String recorded = Files.readString(info);

        Map<String, String> second = new DatasetSplits(store()).write("again", SEVENTY_TEN_TWENTY, 1);
        assertEquals(first, second);
        for (String id : second.values()) {
            assertEquals(rows.get(id), texts(id));
        }
        assertEquals(recorded, Files.readString(info), "a written split is found, not written again");

        // A half-written split (its rows but no dataset.json, as a crash leaves it) is written whole.
        Files.delete(dir.resolve(ArtifactKeys.datasetInfo(first.get("test"))));
        assertEquals(first, splits.write("again", SEVENTY_TEN_TWENTY, 1));
        assertEquals(rows.get(first.get("test")), texts(first.get("test")));

        Map<String, String> otherSeed = splits.write("again", SEVENTY_TEN_TWENTY, 2);
        assertNotEquals(texts(first.get("test")), texts(otherSeed.get("test")), "another seed cuts differently");
        Map<String, String> otherFractions = splits.write("again", fractions("train", 0.8, "test", 0.2), 1);
        assertEquals("again-train-80.20-s1", otherFractions.get("train"));
        Map<String, String> odd = splits.write("again", fractions("train", 2.0 / 3, "test", 1.0 / 3), 1);
        assertTrue(odd.get("train").matches("again-train-h[0-9a-f]{8}-s1"), odd.toString());
    }

    @Test
    void aTextDatasetSplitsByLines() throws Exception {
        new DatasetWriter(store()).upload("lines", "lines", DatasetFormat.TEXT,
                new ByteArrayInputStream("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n".getBytes(StandardCharsets.UTF_8)));
        Map<String, String> ids = new DatasetSplits(store()).write("lines", fractions("train", 0.8, "test", 0.2), 3);
        String test = Files.readString(dir.resolve(ArtifactKeys.datasetText(ids.get("test"))));
        String train = Files.readString(dir.resolve(ArtifactKeys.datasetText(ids.get("train"))));
        assertEquals(2, test.lines().count());
        assertEquals(8, train.lines().count());
        Set<String> all = new HashSet<>(test.lines().toList());
        all.addAll(train.lines().toList());
        assertEquals(Set.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), all);
        assertEquals("text", new Datasets(store()).find(ids.get("test")).orElseThrow().format());
    }

    @Test
    void unusableFractionsAreRefusedNamingTheSplitsField() throws Exception {
        labeled("d", 100);
        var splits = new DatasetSplits(store());
        for (Map<String, Double> bad : List.<Map<String, Double>>of(fractions("train", 0.7, "test", 0.2), fractions("train", 0.7, "test", 0.30001),
                fractions("train", 1.0), fractions("train", 1.2, "test", -0.2), fractions("train", 1.0, "test", 0.0),
                fractions("train", Double.NaN, "test", 0.5), fractions("train", 0.5, "bad/name", 0.5),
                fractions("train", 0.5, "", 0.5), new LinkedHashMap<String, Double>())) {
            var e = assertThrows(IllegalArgumentException.class, () -> splits.write("d", bad, 1), bad.toString());
            assertTrue(e.getMessage().startsWith("splits"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> splits.write("d", null, 1));
        // Within 1e-9 of 1 is 1: 0.1 + 0.2 + 0.7 is 0.9999999999999999 in doubles.
        assertEquals(3, splits.write("d", fractions("a", 0.1, "b", 0.2, "c", 0.7), 1).size());
        assertThrows(NoSuchFileException.class, () -> splits.write("missing", SEVENTY_TEN_TWENTY, 1));
    }

    @Test
    void aDatasetThatTakesASplitsIdIsNotMistakenForTheSplit() throws Exception {
        labeled("p", 20);
        labeled("p-train-70.10.20-s5", 3);
        var e = assertThrows(IllegalStateException.class, () -> new DatasetSplits(store()).write("p", SEVENTY_TEN_TWENTY, 5));
        assertTrue(e.getMessage().contains("exists but is not split 'train' of 'p'"), e.getMessage());
    }

    @Test
    void aStratifiedSplitCutsEachLabelByTheFractionsAndRecordsHow() throws Exception {
        // 300 rows: label 0 on every third row, label 1 on the rest (100 and 200 rows).
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            body.append("{\"text\":\"row ").append(i).append("\",\"label\":").append(i % 3 == 0 ? 0 : 1).append("}\n");
        }
        new DatasetWriter(store()).upload("strat", "strat", DatasetFormat.JSONL_LABELED,
                new ByteArrayInputStream(body.toString().getBytes(StandardCharsets.UTF_8)));
        Map<String, String> ids = new DatasetSplits(store()).writeStratified("strat", SEVENTY_TEN_TWENTY, 42);
        assertEquals(DatasetSplits.splitId("strat", "test", SEVENTY_TEN_TWENTY, 42), ids.get("test"));
        Map<String, int[]> expected = Map.of("train", new int[]{70, 140}, "validation", new int[]{10, 20},
                "test", new int[]{20, 40});
        Set<String> all = new HashSet<>();
        for (var e : ids.entrySet()) {
            List<String> rows = texts(e.getValue());
            long zeros = rows.stream().filter(t -> Integer.parseInt(t.substring(4)) % 3 == 0).count();
            assertArrayEquals(expected.get(e.getKey()), new int[]{(int) zeros, (int) (rows.size() - zeros)},
                    e.getKey() + " holds each label in the parent's proportion");
            all.addAll(rows);
            DatasetInfo info = new Datasets(store()).find(e.getValue()).orElseThrow();
            assertEquals(DatasetInfo.STRATIFIED, info.method());
            assertEquals("strat", info.parent());
            assertEquals(42L, info.seed());
        }
        assertEquals(300, all.size(), "every row lands in exactly one split");
        // Again (a redelivered job): the same ids, the same rows.
        List<String> test = texts(ids.get("test"));
        assertEquals(ids, new DatasetSplits(store()).writeStratified("strat", SEVENTY_TEN_TWENTY, 42));
        assertEquals(test, texts(ids.get("test")));
        assertNotEquals(test, texts(new DatasetSplits(store()).writeStratified("strat", SEVENTY_TEN_TWENTY, 43).get("test")));
        // A plain split of the same name is another cut: refused, not mistaken for it.
        var e = assertThrows(IllegalStateException.class, () -> new DatasetSplits(store()).write("strat", SEVENTY_TEN_TWENTY, 42));
        assertTrue(e.getMessage().contains("(stratified)"), e.getMessage());
    }

    @Test
    void stratifiedSizesFloorEachLabelAndRefuseASplitNoLabelFills() {
        Map<String, int[]> sizes = DatasetSplits.stratifiedSizes("d", new java.util.TreeMap<>(Map.of("a", 15L, "b", 4L)),
                SEVENTY_TEN_TWENTY);
        assertArrayEquals(new int[]{11, 1, 3}, sizes.get("a"));
        assertArrayEquals(new int[]{4, 0, 0}, sizes.get("b"));
        var e = assertThrows(IllegalArgumentException.class, () -> DatasetSplits.stratifiedSizes("d",
                Map.of("a", 4L, "b", 4L), SEVENTY_TEN_TWENTY));
        assertTrue(e.getMessage().startsWith("splits: split 'validation'"), e.getMessage());
    }
}
