package dev.llmmesh.eval.tasks;

import dev.llmmesh.core.eval.Interval;
import dev.llmmesh.core.eval.Intervals;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalSample;

import java.util.List;
import java.util.Map;

/** Core's intervals as results carry them, and the means of per-example scores. */
final class Figures {
    private Figures() {
    }

    /** Puts {@code interval} under {@code name} when it is defined (two examples or more). */
    static void interval(Map<String, EvalResult.Interval> intervals, String name, Interval interval) {
        if (interval.defined()) {
            intervals.put(name, new EvalResult.Interval(interval.low(), interval.high(), Interval.LEVEL));
        }
    }

    static double[] scores(List<EvalSample> samples, String name) {
        return samples.stream().map(EvalSample::scores).filter(s -> s.get(name) != null)
                .mapToDouble(s -> s.get(name)).toArray();
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? Double.NaN : sum / values.length;
    }

    /** The mean of a per-example score with its t interval. */
    static void mean(Map<String, Double> metrics, Map<String, EvalResult.Interval> intervals, String name,
                     double[] values) {
        if (values.length == 0) {
            return;
        }
        metrics.put(name, mean(values));
        if (intervals != null) {
            interval(intervals, name, Intervals.mean(values));
        }
    }

    /** A proportion of 0/1 scores with its Wilson interval. */
    static void proportion(Map<String, Double> metrics, Map<String, EvalResult.Interval> intervals, String name,
                           double[] values) {
        if (values.length == 0) {
            return;
        }
        long successes = 0;
        for (double v : values) {
            successes += v > 0.5 ? 1 : 0;
        }
        metrics.put(name, (double) successes / values.length);
        if (intervals != null) {
            interval(intervals, name, Intervals.wilson(successes, values.length));
        }
    }
}
