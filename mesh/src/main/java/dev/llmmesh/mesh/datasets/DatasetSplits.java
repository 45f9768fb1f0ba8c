package dev.llmmesh.mesh.datasets;

import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Ids;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Cuts a dataset's rows into named splits ({@code train 0.7, validation 0.1, test 0.2}) and stores each split as a
 * dataset of its own, so that whatever trains, evaluates or reproduces a model reads exactly the same rows.
 *
 * <p>The rows are shuffled by {@code seed} ({@link Random}, whose sequence Java specifies, so the cut is the same on
 * every JVM); split {@code i > 0} takes {@code floor(fraction_i * rows)} of them, the first split the rest. Every row
 * lands in exactly one split, and a split keeps its rows in the parent's order. A split is the dataset
 * {@code <datasetId>-<split>-<percents>-s<seed>}, e.g. {@code moby-train-70.10.20-s42} (fractions that are not whole
 * percents are named by a hash); cutting the same dataset with the same fractions and seed again (a resumed job)
 * finds the splits written and returns the same ids.
 */
public final class DatasetSplits {
    /** The name a job gives the fractions, and so what a refusal names. */
    public static final String FIELD = "splits";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,31}");

    private final Datasets datasets;
    private final DatasetWriter writer;

    public DatasetSplits(ArtifactStore artifacts) {
        this.datasets = new Datasets(artifacts);
        this.writer = new DatasetWriter(artifacts);
    }

    /**
     * Writes the splits of dataset {@code datasetId} that are not written yet.
     *
     * @param fractions split name to its fraction of the rows, in order (the first split takes what flooring leaves)
     * @return split name to the id of its dataset, in the order of {@code fractions}
     * @throws IllegalArgumentException         naming {@code splits} when the fractions are unusable or leave a split
     *                                          without rows
     * @throws java.nio.file.NoSuchFileException when there is no dataset {@code datasetId}
     */
    public Map<String, String> write(String datasetId, Map<String, Double> fractions, long seed) throws IOException {
        return write(datasetId, fractions, seed, null);
    }

    /**
     * Writes the stratified splits of labeled dataset {@code datasetId} that are not written yet: each label's rows
     * are cut by the fractions on their own ({@link #stratifiedSizes}), so every split has the labels in the parent's
     * proportions (to within a row per label). The splits are named as {@link #write}'s and record method
     * {@value DatasetInfo#STRATIFIED}.
     *
     * @throws IllegalArgumentException naming {@code splits} when the fractions are unusable or leave a split without
     *                                  rows, or when the dataset is not {@code jsonl-labeled}
     */
    public Map<String, String> writeStratified(String datasetId, Map<String, Double> fractions, long seed)
            throws IOException {
        return write(datasetId, fractions, seed, DatasetInfo.STRATIFIED);
    }

    private Map<String, String> write(String datasetId, Map<String, Double> fractions, long seed, String method)
            throws IOException {
        check(fractions);
        DatasetRows rows = datasets.rows(datasetId).orElseThrow(() -> new java.nio.file.NoSuchFileException(
                "datasets/" + datasetId, null, "no dataset '" + datasetId + "' to split"));
        DatasetInfo parent = rows.info();
        List<String> names = List.copyOf(fractions.keySet());
        byte[] splitOf = method == null ? assign(sizes(datasetId, parent.rows(), fractions), seed)
                : stratify(datasetId, rows, fractions, seed);
        Map<String, String> ids = new LinkedHashMap<>();
        for (int s = 0; s < names.size(); s++) {
            String name = names.get(s);
            String id = splitId(datasetId, name, fractions, seed);
            ids.put(name, id);
            DatasetInfo wanted = new DatasetInfo(id, DatasetInfo.OBJECT, parent.name() + " / " + name, parent.format(),
                    0, 0, 0, 0, datasetId, name, seed, fractions, null, null, method);
            if (written(wanted)) {
                continue;
            }
            byte split = (byte) s;
            try {
                writer.write(wanted, sink -> rows.forEach((index, row) -> {
                    if (splitOf[(int) index] == split) {
                        sink.add(row);
                    }
                }));
            } catch (FileAlreadyExistsException raced) {
                // Another writer of the same split finished first; its rows are these rows.
                written(wanted);
            }
        }
        return ids;
    }

    /**
     * Row index to split, label by label: the row indexes of each label (labels sorted) are shuffled by one
     * {@link Random}{@code (seed)} and cut into runs of {@link #stratifiedSizes}.
     */
    private static byte[] stratify(String datasetId, DatasetRows rows, Map<String, Double> fractions, long seed)
            throws IOException {
        DatasetLabels.requireLabeled(rows.info());
        Map<String, List<Integer>> byLabel = new TreeMap<>();
        rows.forEach((index, row) -> byLabel.computeIfAbsent(DatasetLabels.of(row), l -> new ArrayList<>())
                .add(Math.toIntExact(index)));
        Map<String, Long> counts = new TreeMap<>();
        byLabel.forEach((label, indexes) -> counts.put(label, (long) indexes.size()));
        Map<String, int[]> sizes = stratifiedSizes(datasetId, counts, fractions);
        byte[] splitOf = new byte[Math.toIntExact(rows.total())];
        Random random = new Random(seed);
        for (var e : byLabel.entrySet()) {
            List<Integer> indexes = e.getValue();
            Collections.shuffle(indexes, random);
            int at = 0;
            int[] labelSizes = sizes.get(e.getKey());
            for (int s = 0; s < labelSizes.length; s++) {
                for (int k = 0; k < labelSizes[s]; k++) {
                    splitOf[indexes.get(at++)] = (byte) s;
                }
            }
        }
        return splitOf;
    }

    /**
     * Rows per split for each label: {@code floor(fraction * labelRows)} for all but the first split, which takes the
     * rest, as {@link #sizes} does for a whole dataset. A label may leave a split empty; a split no label fills is
     * refused.
     *
     * @param counts rows per label
     * @return label to rows per split, in the order of {@code fractions}
     * @throws IllegalArgumentException naming {@code splits} when a split would get no rows
     */
    public static Map<String, int[]> stratifiedSizes(String datasetId, Map<String, Long> counts,
                                                     Map<String, Double> fractions) {
        check(fractions);
        List<Double> f = new ArrayList<>(fractions.values());
        int[] totals = new int[f.size()];
        Map<String, int[]> sizes = new LinkedHashMap<>();
        for (var e : counts.entrySet()) {
            long rows = e.getValue();
            int[] labelSizes = new int[f.size()];
            long rest = rows;
            for (int i = 1; i < labelSizes.length; i++) {
                // The epsilon keeps 0.29 * 100 (28.999999999999996 in doubles) at 29.
                labelSizes[i] = (int) Math.floor(f.get(i) * rows + 1e-6);
                rest -= labelSizes[i];
            }
            labelSizes[0] = (int) rest;
            for (int i = 0; i < labelSizes.length; i++) {
                totals[i] += labelSizes[i];
            }
            sizes.put(e.getKey(), labelSizes);
        }
        List<String> names = List.copyOf(fractions.keySet());
        for (int i = 0; i < totals.length; i++) {
            if (totals[i] <= 0) {
                throw new IllegalArgumentException(FIELD + ": split '" + names.get(i) + "' (" + f.get(i) + ") of the "
                        + counts.values().stream().mapToLong(Long::longValue).sum() + " rows of dataset '" + datasetId
                        + "' would get no rows of any label " + counts.keySet() + "; use a larger fraction or a "
                        + "larger dataset");
            }
        }
        return sizes;
    }

    /** Whether the split is stored already; refuses a dataset of that id that is something else. */
    private boolean written(DatasetInfo wanted) throws IOException {
        Optional<DatasetInfo> found = datasets.find(wanted.id());
        if (found.isEmpty()) {
            return false;
        }
        DatasetInfo f = found.get();
        if (!Objects.equals(f.parent(), wanted.parent()) || !Objects.equals(f.split(), wanted.split())
                || !Objects.equals(f.seed(), wanted.seed()) || !Objects.equals(f.fractions(), wanted.fractions())
                || !Objects.equals(f.method(), wanted.method())) {
            throw new IllegalStateException("dataset '" + wanted.id() + "' exists but is not split '" + wanted.split()
                    + "' of '" + wanted.parent() + "' by " + wanted.fractions() + " with seed " + wanted.seed()
                    + how(wanted) + " (it is " + (f.parent() == null ? "an upload" : "split '" + f.split() + "' of '"
                    + f.parent() + "' by " + f.fractions() + " with seed " + f.seed() + how(f)) + "); use another seed");
        }
        return true;
    }

    private static String how(DatasetInfo info) {
        return info.method() == null ? "" : " (" + info.method() + ")";
    }

    /** Refuses unusable fractions, naming {@value #FIELD}. */
    public static void check(Map<String, Double> fractions) {
        if (fractions == null || fractions.size() < 2 || fractions.size() > 100) {
            throw new IllegalArgumentException(FIELD + " must name 2 to 100 splits with their fractions, e.g. "
                    + "{\"train\": 0.8, \"test\": 0.2}, got " + fractions);
        }
        double sum = 0;
        for (var e : fractions.entrySet()) {
            if (e.getKey() == null || !NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException(FIELD + ": a split's name must be 1-32 letters, digits, '_' or '-', "
                        + "starting with a letter or digit, got '" + e.getKey() + "'");
            }
            Double f = e.getValue();
            if (f == null || !(f > 0) || f > 1) {
                throw new IllegalArgumentException(FIELD + ": split '" + e.getKey() + "' must have a fraction above 0 "
                        + "and at most 1, got " + f);
            }
            sum += f;
        }
        if (Math.abs(sum - 1) > 1e-9) {
            throw new IllegalArgumentException(FIELD + ": the fractions must add up to 1, got " + sum + " for "
                    + fractions);
        }
    }

    /** Rows per split: {@code floor(fraction * rows)} for all but the first, which takes the rest. */
    static int[] sizes(String datasetId, long rows, Map<String, Double> fractions) {
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(FIELD + ": dataset '" + datasetId + "' has " + rows + " rows, more than "
                    + "a split can shuffle (" + Integer.MAX_VALUE + ")");
        }
        List<Double> f = new ArrayList<>(fractions.values());
        int[] sizes = new int[f.size()];
        long rest = rows;
        for (int i = 1; i < sizes.length; i++) {
            // The epsilon keeps 0.29 * 100 (28.999999999999996 in doubles) at 29.
            sizes[i] = (int) Math.floor(f.get(i) * rows + 1e-6);
            rest -= sizes[i];
        }
        sizes[0] = (int) rest;
        List<String> names = List.copyOf(fractions.keySet());
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] <= 0) {
                throw new IllegalArgumentException(FIELD + ": split '" + names.get(i) + "' (" + f.get(i) + ") of the "
                        + rows + " rows of dataset '" + datasetId + "' would get no rows; use a larger fraction or "
                        + "a larger dataset");
            }
        }
        return sizes;
    }

    /** Row index to the split it lands in: the rows shuffled by {@code seed}, cut into consecutive runs. */
    static byte[] assign(int[] sizes, long seed) {
        int n = 0;
        for (int size : sizes) {
            n += size;
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        byte[] splitOf = new byte[n];
        int at = 0;
        for (int s = 0; s < sizes.length; s++) {
            for (int k = 0; k < sizes[s]; k++) {
                splitOf[order[at++]] = (byte) s;
            }
        }
        return splitOf;
    }

    /** The id of split {@code split}: readable, and the same for the same dataset, fractions and seed. */
    public static String splitId(String datasetId, String split, Map<String, Double> fractions, long seed) {
        check(fractions);
        List<String> percents = new ArrayList<>();
        for (double f : fractions.values()) {
            double p = f * 100;
            percents.add(Math.abs(p - Math.rint(p)) < 1e-9 ? Long.toString((long) Math.rint(p)) : null);
        }
        String tag = percents.contains(null) ? "h" + hash(fractions.toString()) : String.join(".", percents);
        String suffix = "-" + split + "-" + tag + "-s" + seed;
        if (suffix.length() > 64) {
            // Long split names or many splits: still the same id for the same split, and room for the dataset's.
            suffix = "-" + hash(split + "|" + tag) + "-s" + seed;
        }
        String id = datasetId + suffix;
        if (id.length() > 128) {
            id = datasetId.substring(0, 128 - suffix.length() - 9) + "-" + hash(datasetId) + suffix;
        }
        return Ids.require("datasetId", id);
    }

    private static String hash(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
