package dev.llmmesh.launcher.recipe;

import dev.llmmesh.core.eval.Interval;
import dev.llmmesh.core.eval.Intervals;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The spam recipe's closing report, as plain functions of the fine-tunes' results, so wording and arithmetic are testable. */
final class SpamReport {
    /** The bar: the book reaches 95.67% on SMS spam from OpenAI's GPT-2. */
    static final double GOAL = 0.95;
    private static final int TEXT_SHOWN = 160;

    /**
     * Every seed's test predictions taken together (3 x 200 mails by default): one Wilson interval over all of them,
     * narrower than any one seed's, for the mean the goal is judged on.
     *
     * @param accuracy the mean of the seeds' accuracies (the pooled proportion when every test split is as large)
     * @param baseline the naive-Bayes baseline's, the same way, on the same splits
     */
    record Pooled(long correct, long total, double accuracy, Interval interval, long baselineCorrect,
                  double baseline, Interval baselineInterval) {
        boolean goalMet() {
            return accuracy >= GOAL && accuracy > baseline;
        }
    }

    private SpamReport() {
    }

    static Pooled pool(List<SeedResult> results) {
        long correct = 0;
        long total = 0;
        long baselineCorrect = 0;
        double accuracy = 0;
        double baseline = 0;
        for (SeedResult r : results) {
            correct += r.correct();
            total += r.total();
            baselineCorrect += r.baselineCorrect();
            accuracy += r.testAccuracy();
            baseline += r.baselineAccuracy();
        }
        return new Pooled(correct, total, accuracy / results.size(), Intervals.wilson(correct, total), baselineCorrect,
                baseline / results.size(), Intervals.wilson(baselineCorrect, total));
    }

    /** Per seed, the fine-tune beside the baseline; then the mean with its interval, and whether the goal is met. */
    static List<String> accuracy(List<SeedResult> results) {
        List<String> lines = new ArrayList<>();
        lines.add("Test accuracy (balanced test split of each seed; naive Bayes trained and tested on the same split)");
        lines.add("  %-6s %-28s %10s %12s %7s %8s".formatted("seed", "model", "classifier", "naive Bayes", "mails",
                "epochs"));
        for (SeedResult r : results) {
            lines.add("  %-6d %-28s %9.2f%% %11.2f%% %7d %8s".formatted(r.seed(), r.modelId(), 100 * r.testAccuracy(),
                    100 * r.baselineAccuracy(), r.total(), r.bestEpoch() > 0
                            ? "best %d/%d".formatted(r.bestEpoch(), r.epochs()) : String.valueOf(r.epochs())));
        }
        Pooled p = pool(results);
        lines.add("  %-6s %-28s %9.2f%% %11.2f%% %7d".formatted("mean", "", 100 * p.accuracy(), 100 * p.baseline(),
                p.total()));
        lines.add("  95%% Wilson interval over the %d pooled test predictions: classifier %s (%d right), naive Bayes %s "
                .formatted(p.total(), percent(p.interval()), p.correct(), percent(p.baselineInterval()))
                + "(%d right)".formatted(p.baselineCorrect()));
        lines.add("  goal (mean >= %.0f%% and ahead of naive Bayes): %s".formatted(100 * GOAL, verdict(p)));
        return lines;
    }

    static String verdict(Pooled p) {
        if (p.goalMet()) {
            return "MET, %.2f points ahead of the baseline".formatted(100 * (p.accuracy() - p.baseline()));
        }
        List<String> why = new ArrayList<>();
        if (p.accuracy() < GOAL) {
            why.add("%.2f%% is under %.0f%%".formatted(100 * p.accuracy(), 100 * GOAL));
        }
        if (p.accuracy() <= p.baseline()) {
            why.add("naive Bayes scores %.2f%%, the classifier %.2f%%".formatted(100 * p.baseline(), 100 * p.accuracy()));
        }
        return "NOT MET: " + String.join("; ", why);
    }

    /** The seeds' confusion matrices summed: rows what a mail is, columns what the classifier said. */
    static List<String> confusion(List<SeedResult> results) {
        List<String> labels = results.getFirst().labels();
        int n = labels.size();
        long[][] sum = new long[n][n];
        for (SeedResult r : results) {
            if (!r.labels().equals(labels)) {
                throw new IllegalStateException("seed " + r.seed() + " has labels " + r.labels() + ", seed "
                        + results.getFirst().seed() + " " + labels);
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    sum[i][j] += r.confusion()[i][j];
                }
            }
        }
        int width = Math.max(8, labels.stream().mapToInt(String::length).max().orElse(0) + 2);
        List<String> lines = new ArrayList<>();
        lines.add("Confusion matrix, all seeds' test mails (rows: the mail is; columns: predicted)");
        lines.add("  " + " ".repeat(width) + labels.stream().map(l -> ("%" + width + "s").formatted(l))
                .collect(Collectors.joining()));
        for (int i = 0; i < n; i++) {
            StringBuilder row = new StringBuilder("  " + ("%-" + width + "s").formatted(labels.get(i)));
            for (int j = 0; j < n; j++) {
                row.append(("%" + width + "d").formatted(sum[i][j]));
            }
            lines.add(row.toString());
        }
        return lines;
    }

    /** Up to {@code max} wrong answers, taken from the seeds in turn so each seed shows its own. */
    static List<String> misclassified(List<SeedResult> results, int max) {
        List<String> lines = new ArrayList<>();
        lines.add("Misclassified test mails (of %d, a few)".formatted(results.stream().mapToLong(r -> r.total() - r.correct())
                .sum()));
        int shown = 0;
        for (int k = 0; shown < max; k++) {
            boolean any = false;
            for (SeedResult r : results) {
                if (k < r.misclassified().size() && shown < max) {
                    SeedResult.Mail m = r.misclassified().get(k);
                    lines.add("  seed %d: %s read as %s (%s)".formatted(r.seed(), m.gold(), m.predicted(),
                            probabilities(m.probabilities())));
                    lines.add("    \"" + oneLine(m.text(), TEXT_SHOWN) + "\"");
                    shown++;
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        if (shown == 0) {
            lines.add("  none");
        }
        return lines;
    }

    /** How long each phase took, in the order they ran. */
    static List<String> phases(Map<String, Duration> phases) {
        List<String> lines = new ArrayList<>();
        lines.add("Wall time");
        int width = phases.keySet().stream().mapToInt(String::length).max().orElse(10);
        Duration total = Duration.ZERO;
        for (Map.Entry<String, Duration> e : phases.entrySet()) {
            lines.add(("  %-" + width + "s %s").formatted(e.getKey(), clock(e.getValue())));
            total = total.plus(e.getValue());
        }
        lines.add(("  %-" + width + "s %s").formatted("total", clock(total)));
        return lines;
    }

    /** The served classifier, as any client would call it. */
    static List<String> curl(URI gateway, String modelId, boolean stackStops) {
        List<String> lines = new ArrayList<>();
        lines.add("Classify with it through the gateway (no API key on the local stack):");
        if (stackStops) {
            lines.add("  bin/llm-mesh up        # the recipe stops the stack; datasets and models are kept");
        }
        lines.add(("  curl -s %s:%d/v1/classify -H 'Content-Type: application/json' -d '{\"model\":\"%s\","
                + "\"input\":[\"Subject: WIN a FREE cruise! Click here now to claim your prize\","
                + "\"Subject: Re: the patch for the build script\"]}'").formatted(gateway.getHost(), gateway.getPort(),
                modelId));
        lines.add("  curl -s %s:%d/v1/models/%s    # its labels, parent and metrics".formatted(gateway.getHost(),
                gateway.getPort(), modelId));
        return lines;
    }

    /** "1:05" or "12:40" (minutes:seconds); an hour or more as "1:02:03". */
    static String clock(Duration d) {
        long s = Math.round(d.toMillis() / 1000.0);
        return s >= 3600 ? "%d:%02d:%02d".formatted(s / 3600, s / 60 % 60, s % 60) : "%d:%02d".formatted(s / 60, s % 60);
    }

    static String percent(Interval i) {
        return "[%.2f%%, %.2f%%]".formatted(100 * i.low(), 100 * i.high());
    }

    static String probabilities(Map<String, Double> p) {
        return p.entrySet().stream().map(e -> "%s %.2f".formatted(e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** A mail on one line: whitespace runs (newlines included) as one space, cut at {@code max} characters. */
    static String oneLine(String text, int max) {
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() <= max ? flat : flat.substring(0, max - 3) + "...";
    }
}
