package dev.llmmesh.launcher.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The demo's tables, as plain functions of numbers, so their wording and arithmetic are testable. */
final class DemoReport {
    /** How one tokenizer did on the sample sentence and on the whole dataset. */
    record Row(String tokenizer, int vocabSize, int[] sampleTokens, List<String> samplePieces, long datasetTokens) {
    }

    private DemoReport() {
    }

    static List<String> sample(String sentence, List<Row> rows) {
        List<String> lines = new ArrayList<>();
        lines.add("Sample sentence (" + sentence.length() + " chars):");
        lines.add("  \"" + sentence + "\"");
        int width = width(rows);
        for (Row row : rows) {
            lines.add(("  %-" + width + "s %3d tokens: %s").formatted(row.tokenizer(), row.sampleTokens().length,
                    String.join("|", row.samplePieces().stream().map(DemoReport::visible).toList())));
            lines.add(("  %-" + width + "s        ids: %s").formatted("", Arrays.stream(row.sampleTokens())
                    .mapToObj(Integer::toString).collect(Collectors.joining(" "))));
        }
        return lines;
    }

    static List<String> compression(Corpus.Dataset dataset, List<Row> rows) {
        List<String> lines = new ArrayList<>();
        lines.add("Whole dataset '%s': %,d bytes, %,d chars".formatted(dataset.id(), dataset.bytes(), dataset.chars()));
        int width = width(rows);
        lines.add(("  %-" + width + "s %6s %12s %12s %12s").formatted("tokenizer", "vocab", "tokens", "chars/token",
                "bytes/token"));
        for (Row row : rows) {
            lines.add(("  %-" + width + "s %6d %,12d %12.2f %12.2f").formatted(row.tokenizer(), row.vocabSize(),
                    row.datasetTokens(), ratio(dataset.chars(), row.datasetTokens()),
                    ratio(dataset.bytes(), row.datasetTokens())));
        }
        return lines;
    }

    /** "12.3% fewer tokens than gpt2" or "4.0% more tokens than gpt2". */
    static String versus(Row candidate, Row baseline) {
        double change = 100.0 * (candidate.datasetTokens() - baseline.datasetTokens()) / baseline.datasetTokens();
        return "%s needs %.1f%% %s tokens than %s on this book, with a vocabulary %.0fx smaller".formatted(
                candidate.tokenizer(), Math.abs(change), change <= 0 ? "fewer" : "more", baseline.tokenizer(),
                (double) baseline.vocabSize() / candidate.vocabSize());
    }

    static double ratio(long amount, long tokens) {
        return tokens == 0 ? 0 : (double) amount / tokens;
    }

    /** Byte-level BPE pieces may hold spaces and newlines; show them so the cuts stay visible. */
    static String visible(String piece) {
        return piece.replace("\n", "\\n").replace("\t", "\\t");
    }

    private static int width(List<Row> rows) {
        return rows.stream().mapToInt(r -> r.tokenizer().length()).max().orElse(10);
    }
}
