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
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Models ranked on a suite. A suite measures each model on what it was made for (a base model's perplexity on its
 * own held-out windows, a classifier's accuracy on its own test split), and only figures of one task on one dataset
 * compare; a perplexity also depends on the tokens it is per, the context each token sees and the stride. So a
 * group holds the results measured alike, says how, and is ranked by the task's primary metric in the direction that
 * metric is better.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Leaderboard(@Schema(example = "leaderboard") String object, String suite,
                          @Schema(description = "how the groups are formed and ranked") String rankedBy,
                          List<Group> groups) {
    static final String RANKED_BY = "one group per task and dataset, and for perplexity also per tokenizer, context "
            + "length and stride (figures measured otherwise do not compare); within a group, by the task's primary "
            + "metric (lower is better for perplexity, higher for the others); equal figures share a rank; a result "
            + "without the figure is listed last, unranked";

    /**
     * What the figures of a group were measured on.
     *
     * @param tokenizerId   perplexity only: the tokenizer the text was cut into tokens by
     * @param contextLength perplexity only: the window, in tokens
     * @param stride        perplexity only: how far each window moves on
     */
    record Basis(EvalTask task, String datasetId, String tokenizerId, Integer contextLength, Integer stride) {
        static final Comparator<Basis> ORDER = Comparator.comparing(Basis::task)
                .thenComparing(Basis::datasetId, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(Basis::tokenizerId, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(Basis::contextLength, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(Basis::stride, Comparator.nullsFirst(Comparator.naturalOrder()));

        /**
         * @param modelTokenizer the tokenizer of the result's model: a perplexity over a dataset given by id is
         *                       taken in it, and its result's parameters may not name it
         */
        static Basis of(EvalResult r, Optional<String> modelTokenizer) {
            if (r.task() != EvalTask.PERPLEXITY) {
                return new Basis(r.task(), r.datasetId(), null, null, null);
            }
            Object tokenizer = r.parameters().get("tokenizerId");
            return new Basis(r.task(), r.datasetId(), tokenizer == null ? modelTokenizer.orElse(null)
                    : tokenizer.toString(), integer(r.parameters().get("contextLength")),
                    integer(r.parameters().get("stride")));
        }

        private static Integer integer(Object value) {
            if (value instanceof Number n) {
                return n.intValue();
            }
            try {
                return value == null ? null : Integer.valueOf(value.toString());
            } catch (NumberFormatException e) {
                // Not a count a figure could share; -1 keeps it apart from the results that lack it.
                return -1;
            }
        }
    }

    /**
     * @param task           the task, and what its figures were measured on (perplexity: tokenizer, window, stride)
     * @param metric         the task's primary metric, the figure ranked by
     * @param higherIsBetter the direction of the ranking
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Group(EvalTask task, String datasetId, String tokenizerId, Integer contextLength, Integer stride,
                        String metric, boolean higherIsBetter, List<Entry> data) {
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

    /**
     * @param results        the suite's results, one per model
     * @param modelTokenizer the tokenizer of a published model, by its id
     */
    static Leaderboard of(String suite, List<EvalResult> results, Function<String, Optional<String>> modelTokenizer) {
        Map<Basis, List<EvalResult>> byBasis = results.stream().collect(Collectors.groupingBy(
                r -> Basis.of(r, modelTokenizer.apply(r.modelId())), () -> new TreeMap<>(Basis.ORDER),
                Collectors.toList()));
        List<Group> groups = new ArrayList<>();
        byBasis.forEach((basis, group) -> groups.add(rank(basis, group)));
        return new Leaderboard("leaderboard", suite, RANKED_BY, groups);
    }

    static Group rank(Basis basis, List<EvalResult> results) {
        EvalTask task = basis.task();
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
        return new Group(task, basis.datasetId(), basis.tokenizerId(), basis.contextLength(), basis.stride(), metric,
                task.higherIsBetter(), entries);
    }

    private static Double figure(EvalResult r, String metric) {
        Double value = r.metrics().get(metric);
        return value == null || value.isNaN() ? null : value;
    }
}
