package dev.llmmesh.launcher.demo;

import dev.llmmesh.mesh.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A pretrain job's losses as its progress events report them. The trainer sends about one event a second, plus
 * every validation step, so the first training loss seen is from the first reported step, not necessarily step 1.
 */
public final class LossCurve {
    /** One reported value at one optimizer step. */
    record Point(long step, double value) {
    }

    private static final int SHOWN_POINTS = 8;

    private final List<Point> training = new ArrayList<>();
    private final List<Point> validation = new ArrayList<>();
    private Double tokensPerSecond;

    /** Takes one progress event and returns the progress bar's message for it. */
    public String observe(Progress progress) {
        Double loss = progress.metrics().get("loss");
        if (loss != null) {
            training.add(new Point(progress.done(), loss));
        }
        Double validationLoss = progress.metrics().get("validationLoss");
        if (validationLoss != null) {
            validation.add(new Point(progress.done(), validationLoss));
        }
        Double rate = progress.metrics().get("tokensPerSecond");
        if (rate != null) {
            tokensPerSecond = rate;
        }
        return barMessage();
    }

    /** "loss 5.213 val 5.402 3,120 tok/s": the latest of each, since validation comes only every evalEvery steps. */
    String barMessage() {
        List<String> parts = new ArrayList<>();
        last(training).ifPresent(p -> parts.add("loss %.3f".formatted(p.value())));
        last(validation).ifPresent(p -> parts.add("val %.3f".formatted(p.value())));
        if (tokensPerSecond != null) {
            parts.add("%,.0f tok/s".formatted(tokensPerSecond));
        }
        return String.join(" ", parts);
    }

    List<Point> training() {
        return List.copyOf(training);
    }

    List<Point> validation() {
        return List.copyOf(validation);
    }

    /**
     * @param vocabSize for the baseline: a model that knows nothing scores ln(vocabSize) nats per token
     */
    public List<String> summary(int vocabSize) {
        List<String> lines = new ArrayList<>();
        lines.add("Loss (nats per token; guessing uniformly among %,d tokens scores ln %d = %.2f)".formatted(
                vocabSize, vocabSize, Math.log(vocabSize)));
        lines.add(firstToLast("training loss  ", training));
        lines.add(firstToLast("validation loss", validation));
        if (validation.size() > 2) {
            lines.add("  validation by step: " + spread(validation, SHOWN_POINTS).stream()
                    .map(p -> "%d: %.2f".formatted(p.step(), p.value())).collect(Collectors.joining(", ")));
        }
        return lines;
    }

    /** At most {@code n} points, evenly spaced, always the first and the last: a curve's shape fits on one line. */
    static List<Point> spread(List<Point> points, int n) {
        if (points.size() <= n) {
            return points;
        }
        List<Point> shown = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            shown.add(points.get((int) Math.round((double) i * (points.size() - 1) / (n - 1))));
        }
        return shown;
    }

    private static String firstToLast(String label, List<Point> points) {
        if (points.isEmpty()) {
            return "  " + label + "  not reported";
        }
        Point first = points.getFirst();
        Point last = points.getLast();
        return "  %s  step %4d: %.3f  ->  step %4d: %.3f  (%+.3f)".formatted(label, first.step(), first.value(),
                last.step(), last.value(), last.value() - first.value());
    }

    private static Optional<Point> last(List<Point> points) {
        return points.isEmpty() ? Optional.empty() : Optional.of(points.getLast());
    }
}
