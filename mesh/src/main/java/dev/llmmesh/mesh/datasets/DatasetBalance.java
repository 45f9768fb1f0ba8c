package dev.llmmesh.mesh.datasets;

import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Ids;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * Balances a labeled dataset by down-sampling: every label keeps as many rows as the rarest label has, chosen by
 * {@code seed}, and the rows keep the parent's order. The result is the dataset {@code <datasetId>-balanced-s<seed>}
 * (method {@value DatasetInfo#BALANCED}, the parent and seed recorded), so training and evaluation can name exactly
 * the rows a model saw; balancing again with the same seed (a redelivered job) finds it written.
 *
 * <p>Each label's row indexes, in label order (sorted), are shuffled by one {@link Random}{@code (seed)} with
 * Fisher-Yates and the first {@code min} kept, so the choice is the same on every JVM.
 */
public final class DatasetBalance {
    private final Datasets datasets;
    private final DatasetWriter writer;

    public DatasetBalance(ArtifactStore artifacts) {
        this.datasets = new Datasets(artifacts);
        this.writer = new DatasetWriter(artifacts);
    }

    /** @param perLabel rows each label kept */
    public record Balanced(String datasetId, Map<String, Long> perLabel, long rows) {
    }

    public static String balancedId(String datasetId, long seed) {
        String suffix = "-balanced-s" + seed;
        String id = datasetId.length() + suffix.length() > 128 ? datasetId.substring(0, 128 - suffix.length()) + suffix
                : datasetId + suffix;
        return Ids.require("datasetId", id);
    }

    /**
     * Writes the balanced dataset unless it is written already.
     *
     * @throws NoSuchFileException      when there is no dataset {@code datasetId}
     * @throws IllegalArgumentException when it is not {@code jsonl-labeled}
     */
    public Balanced write(String datasetId, long seed) throws IOException {
        DatasetRows rows = datasets.rows(datasetId).orElseThrow(() -> new NoSuchFileException("datasets/" + datasetId,
                null, "no dataset '" + datasetId + "' to balance"));
        DatasetInfo parent = rows.info();
        DatasetLabels.requireLabeled(parent);
        Map<String, List<Integer>> byLabel = new TreeMap<>();
        rows.forEach((index, row) -> byLabel.computeIfAbsent(DatasetLabels.of(row), l -> new ArrayList<>())
                .add(Math.toIntExact(index)));
        int keep = byLabel.values().stream().mapToInt(List::size).min().orElse(0);
        boolean[] kept = new boolean[Math.toIntExact(parent.rows())];
        Random random = new Random(seed);
        Map<String, Long> perLabel = new LinkedHashMap<>();
        for (var e : byLabel.entrySet()) {
            List<Integer> indexes = e.getValue();
            Collections.shuffle(indexes, random);
            for (int i = 0; i < keep; i++) {
                kept[indexes.get(i)] = true;
            }
            perLabel.put(e.getKey(), (long) keep);
        }
        String id = balancedId(datasetId, seed);
        DatasetInfo wanted = new DatasetInfo(id, DatasetInfo.OBJECT, parent.name() + " / balanced", parent.format(),
                0, 0, 0, 0, datasetId, null, seed, null, null, null, DatasetInfo.BALANCED);
        if (!written(wanted)) {
            try {
                writer.write(wanted, sink -> rows.forEach((index, row) -> {
                    if (kept[(int) index]) {
                        sink.add(row);
                    }
                }));
            } catch (FileAlreadyExistsException raced) {
                // Another writer of the same balancing finished first; its rows are these rows.
                written(wanted);
            }
        }
        return new Balanced(id, perLabel, (long) keep * byLabel.size());
    }

    private boolean written(DatasetInfo wanted) throws IOException {
        Optional<DatasetInfo> found = datasets.find(wanted.id());
        if (found.isEmpty()) {
            return false;
        }
        DatasetInfo f = found.get();
        if (!wanted.parent().equals(f.parent()) || !wanted.seed().equals(f.seed())
                || !DatasetInfo.BALANCED.equals(f.method())) {
            throw new IllegalStateException("dataset '" + wanted.id() + "' exists but is not '" + wanted.parent()
                    + "' balanced with seed " + wanted.seed() + "; use another seed");
        }
        return true;
    }
}
