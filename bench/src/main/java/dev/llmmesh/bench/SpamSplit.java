package dev.llmmesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmmesh.core.finetune.ClassificationData.Example;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The trainer's {@code finetune-classifier} data preparation, in process: balance by down-sampling, then a stratified
 * 70/10/20 split, both seeded. It repeats the semantics of mesh's {@code DatasetBalance} and
 * {@code DatasetSplits.writeStratified} (which read and write the artifact store) on a list of rows, so the bench
 * trains and tests on exactly the mails a job with the same seed would: labels sorted; each label's row indexes
 * shuffled in label order by one {@link Random}{@code (seed)} (Fisher-Yates, the same on every JVM); balancing keeps
 * the first {@code min} of each label; the split gives each label {@code floor(0.1 n)} validation and
 * {@code floor(0.2 n)} test rows and the rest to train; every kept row keeps the file's order.
 *
 * @param labels the distinct labels, sorted (an example's label indexes it)
 */
record SpamSplit(List<String> labels, List<Example> train, List<Example> validation, List<Example> test) {
    static final double VALIDATION = 0.1;
    static final double TEST = 0.2;

    /** A labeled row as read: its text and its label's text. */
    record Row(String text, String label) {
    }

    static List<Row> read(Path jsonl) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode row = json.readTree(line);
            rows.add(new Row(row.get("text").asText(), row.get("label").asText()));
        }
        return rows;
    }

    static SpamSplit of(List<Row> rows, boolean balance, long seed) {
        List<Row> kept = balance ? balanced(rows, seed) : rows;
        Map<String, List<Integer>> byLabel = byLabel(kept);
        List<String> labels = List.copyOf(byLabel.keySet());
        byte[] splitOf = new byte[kept.size()];
        Random random = new Random(seed);
        for (List<Integer> indexes : byLabel.values()) {
            Collections.shuffle(indexes, random);
            int n = indexes.size();
            int validation = (int) Math.floor(VALIDATION * n + 1e-6);
            int test = (int) Math.floor(TEST * n + 1e-6);
            int train = n - validation - test;
            for (int k = 0; k < n; k++) {
                splitOf[indexes.get(k)] = (byte) (k < train ? 0 : k < train + validation ? 1 : 2);
            }
        }
        List<List<Example>> splits = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < kept.size(); i++) {
            Row row = kept.get(i);
            splits.get(splitOf[i]).add(new Example(row.text(), labels.indexOf(row.label())));
        }
        return new SpamSplit(labels, List.copyOf(splits.get(0)), List.copyOf(splits.get(1)),
                List.copyOf(splits.get(2)));
    }

    /** Every label down-sampled to the rarest label's count, rows in the file's order. */
    static List<Row> balanced(List<Row> rows, long seed) {
        Map<String, List<Integer>> byLabel = byLabel(rows);
        int keep = byLabel.values().stream().mapToInt(List::size).min().orElse(0);
        boolean[] kept = new boolean[rows.size()];
        Random random = new Random(seed);
        for (List<Integer> indexes : byLabel.values()) {
            Collections.shuffle(indexes, random);
            for (int i = 0; i < keep; i++) {
                kept[indexes.get(i)] = true;
            }
        }
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            if (kept[i]) {
                out.add(rows.get(i));
            }
        }
        return out;
    }

    private static Map<String, List<Integer>> byLabel(List<Row> rows) {
        Map<String, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byLabel.computeIfAbsent(rows.get(i).label(), l -> new ArrayList<>()).add(i);
        }
        return byLabel;
    }

    static List<String> texts(List<Example> examples) {
        return examples.stream().map(Example::text).toList();
    }

    static int[] gold(List<Example> examples) {
        return examples.stream().mapToInt(Example::label).toArray();
    }
}
