package dev.llmmesh.mesh.eval;

import dev.llmmesh.mesh.datasets.DatasetFormat;

import java.util.Set;

/** Which dataset formats hold the examples of each task. */
public final class TaskDatasets {
    private TaskDatasets() {
    }

    public static Set<DatasetFormat> formats(EvalTask task) {
        return switch (task) {
            // Held-out text: every row's text, as the trainer reads it.
            case PERPLEXITY -> Set.of(DatasetFormat.TEXT, DatasetFormat.JSONL_TEXT);
            case CLASSIFICATION -> Set.of(DatasetFormat.JSONL_LABELED);
            // The instruction (and input) is the prompt, the output the reference.
            case GENERATION, JUDGE -> Set.of(DatasetFormat.ALPACA);
            case MULTIPLE_CHOICE -> Set.of(DatasetFormat.MULTIPLE_CHOICE);
        };
    }

    public static String names(EvalTask task) {
        return String.join(", ", formats(task).stream().map(DatasetFormat::apiName).sorted().toList());
    }
}
