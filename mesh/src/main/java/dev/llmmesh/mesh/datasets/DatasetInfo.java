package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A dataset, as recorded in its {@code dataset.json} (written last: its presence means the dataset is whole).
 *
 * @param format    a {@link DatasetFormat#apiName()}; {@code jsonl}, as written before formats had names, reads as
 *                  {@code jsonl-text}
 * @param bytes     bytes as uploaded (a split: bytes of its stored rows)
 * @param lines     lines as uploaded (a split: its rows)
 * @param rows      rows: lines of a text dataset, records of the others (called {@code documents} before)
 * @param textBytes bytes of the text jobs read ({@code data.txt})
 * @param parent    for a split: the dataset it was cut from
 * @param split     for a split: its name, e.g. {@code train}
 * @param seed      for a split: the seed of the shuffle that cut it
 * @param fractions for a split: every split's fraction of the parent, in order
 * @param tokens    tokens per tokenizer, for each tokenizer the dataset was tokenized with (never stored: counted
 *                  from the token manifests when the dataset is looked at)
 * @param method    for a dataset cut from {@code parent}: how, when not a plain shuffled split: {@value #STRATIFIED}
 *                  (each label's rows split by the fractions on their own) or {@value #BALANCED} (every label
 *                  down-sampled to the rarest's count)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetInfo(String id, String object, String name, String format, long bytes, long lines,
                          @JsonAlias("documents") long rows, long textBytes, String parent, String split, Long seed,
                          Map<String, Double> fractions, Map<String, Long> tokens, Instant createdAt,
                          String method) {
    public static final String OBJECT = "dataset";
    public static final String STRATIFIED = "stratified";
    public static final String BALANCED = "balanced";

    public DatasetInfo {
        format = DatasetFormat.named(format).apiName();
        if (rows == 0 && format.equals(DatasetFormat.TEXT.apiName())) {
            // Recorded before rows were counted: a text dataset's rows are its lines.
            rows = lines;
        }
        fractions = fractions == null ? null : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fractions));
        tokens = tokens == null ? null : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(tokens));
    }

    /** A dataset made by no {@link #method}: an upload or a plain split. */
    public DatasetInfo(String id, String object, String name, String format, long bytes, long lines, long rows,
                       long textBytes, String parent, String split, Long seed, Map<String, Double> fractions,
                       Map<String, Long> tokens, Instant createdAt) {
        this(id, object, name, format, bytes, lines, rows, textBytes, parent, split, seed, fractions, tokens, createdAt,
                null);
    }

    public DatasetFormat datasetFormat() {
        return DatasetFormat.named(format);
    }

    public DatasetInfo withTokens(Map<String, Long> counted) {
        return new DatasetInfo(id, object, name, format, bytes, lines, rows, textBytes, parent, split, seed, fractions,
                counted, createdAt, method);
    }
}
