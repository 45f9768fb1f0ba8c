package dev.llmmesh.gateway.evals;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalTask;
import io.swagger.v3.oas.annotations.media.Schema;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Models ranked on a suite. A suite measures each kind of model with its own task (a base model's perplexity, a
 * classifier's accuracy), and figures of different tasks do not compare: models are grouped by the task of their
 * result and ranked within the group by the task's primary metric, in the direction that metric is better.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Leaderboard(@Schema(example = "leaderboard") String object, String suite,
                          @Schema(description = "how the groups are formed and ranked") String rankedBy,
                          List<Group> groups) {
    static final String RANKED_BY = "one group per task; within a group, by the task's primary metric (lower is "
            + "better for perplexity, higher for the others); equal figures share a rank; a result without the "
            + "figure is listed last, unranked";

    /**
     * @param metric         the task's primary metric, the figure ranked by
     * @param higherIsBetter the direction of the ranking
     */
    public record Group(EvalTask task, String metric, boolean higherIsBetter, List<Entry> data) {
    }

    /**
     * @param rank     1 for the best; equal figures share a rank; absent when the result lacks the figure
     * @param value    the primary metric's figure
     * @param interval its 95% confidence interval, when the result has one
     * @param examples how many examples the figure is over
     * @param metrics  all the result's figures
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(Integer rank, String modelId, String evalId, String datasetId, Double value,
                        EvalResult.Interval interval, long examples, Map<String, Double> metrics, Instant createdAt) {
    }

    /** @param results the suite's results, one per model */
    static Leaderboard of(String suite, List<EvalResult> results) {
        Map<EvalTask, List<EvalResult>> byTask = results.stream().collect(Collectors.groupingBy(EvalResult::task,
                TreeMap::new, Collectors.toList()));
        List<Group> groups = new ArrayList<>();
        byTask.forEach((task, group) -> groups.add(rank(task, group)));
        return new Leaderboard("leaderboard", suite, RANKED_BY, groups);
    }

    static Group rank(EvalTask task, List<EvalResult> results) {
        String metric = task.primaryMetric();
        Comparator<Double> better = task.higherIsBetter() ? Comparator.reverseOrder() : Comparator.naturalOrder();
        List<EvalResult> sorted = new ArrayList<>(results);
        // Figureless results last; ties by more examples (the steadier figure), then by model id, so the order is
        // the same on every call.
        sorted.sort(Comparator.comparing((EvalResult r) -> figure(r, metric), Comparator.nullsLast(better))
                .thenComparing(EvalResult::examples, Comparator.reverseOrder())
                .thenComparing(EvalResult::modelId));
        List<Entry> entries = new ArrayList<>();
        Double previous = null;
        int rank = 0;
        for (int i = 0; i < sorted.size(); i++) {
            EvalResult r = sorted.get(i);
            Double value = figure(r, metric);
            if (value != null && !value.equals(previous)) {
                rank = i + 1;
            }
            previous = value;
            entries.add(new Entry(value == null ? null : rank, r.modelId(), r.evalId(), r.datasetId(), value,
                    r.intervals().get(metric), r.examples(), r.metrics(), r.createdAt()));
        }
        return new Group(task, metric, task.higherIsBetter(), entries);
    }

    private static Double figure(EvalResult r, String metric) {
        Double value = r.metrics().get(metric);
        return value == null || value.isNaN() ? null : value;
    }
}
