package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.datasets.DatasetRows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The examples of an evaluation: a dataset's rows parsed by the task, malformed ones skipped and counted (the job
 * goes on), then at most {@code maxExamples} of them drawn with the job's seed and kept in row order, so the same
 * job always scores the same examples.
 */
public final class Examples<T> {
    /** Parses a row; throws {@link IllegalArgumentException} (saying why) for one the task cannot use. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(ObjectNode row);
    }

    private final List<Example<T>> examples;
    private final long malformed;

    private Examples(List<Example<T>> examples, long malformed) {
        this.examples = examples;
        this.malformed = malformed;
    }

    public static <T> Examples<T> read(DatasetRows rows, Parser<T> parser, Integer maxExamples, long seed)
            throws IOException {
        List<Example<T>> all = new ArrayList<>();
        long[] malformed = {0};
        rows.forEach((index, row) -> {
            try {
                all.add(new Example<>(index, parser.parse(row)));
            } catch (IllegalArgumentException | NullPointerException | ClassCastException e) {
                malformed[0]++;
            }
        });
        return new Examples<>(draw(all, maxExamples, seed), malformed[0]);
    }

    /** {@code max} of {@code all} drawn without replacement by a seeded shuffle, in their original order. */
    public static <T> List<Example<T>> draw(List<Example<T>> all, Integer max, long seed) {
        if (max == null || all.size() <= max) {
            return all;
        }
        List<Example<T>> shuffled = new ArrayList<>(all);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            shuffled.set(j, shuffled.set(i, shuffled.get(j)));
        }
        List<Example<T>> drawn = new ArrayList<>(shuffled.subList(0, max));
        drawn.sort(Comparator.comparingLong(Example::index));
        return drawn;
    }

    public List<Example<T>> list() {
        return examples;
    }

    /** Rows the task could not use. */
    public long malformed() {
        return malformed;
    }
}
