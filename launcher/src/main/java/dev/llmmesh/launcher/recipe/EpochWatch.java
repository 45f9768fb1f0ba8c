package dev.llmmesh.launcher.recipe;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Progress;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Watches a fine-tune's events: the progress bar's message (the latest epoch's losses and accuracies), and at
 * the end of each epoch one line of figures with the validation mails the model gets most wrong, so a user sees
 * what it is learning while it learns.
 */
final class EpochWatch {
    private static final int WORST_SHOWN = 2;
    private static final int TEXT_SHOWN = 100;

    private final PrintStream out;
    private long lastEpochPrinted;

    EpochWatch(PrintStream out) {
        this.out = out;
    }

    /** "loss 0.412 acc 81.3% | val 0.388 84.0%". */
    String barMessage(Progress progress) {
        Map<String, Double> m = progress.metrics();
        List<String> parts = new ArrayList<>();
        Double loss = first(m, "trainLoss", "loss");
        if (loss != null) {
            parts.add("loss %.3f".formatted(loss));
        }
        Double accuracy = first(m, "trainAccuracy", "accuracy");
        if (accuracy != null) {
            parts.add("acc %.1f%%".formatted(100 * accuracy));
        }
        Double validationLoss = m.get("validationLoss");
        Double validationAccuracy = m.get("validationAccuracy");
        if (validationLoss != null && validationAccuracy != null) {
            parts.add("| val %.3f %.1f%%".formatted(validationLoss, 100 * validationAccuracy));
        }
        return String.join(" ", parts);
    }

    /** Prints an epoch's line once, when its validation figures first arrive. */
    void event(JobEvent event) {
        lines(event).forEach(line -> out.println((System.console() != null ? "\r\033[K" : "") + line));
    }

    List<String> lines(JobEvent event) {
        Progress progress = event.progress();
        if (progress == null || !progress.metrics().containsKey("validationAccuracy")) {
            return List.of();
        }
        Map<String, Double> m = progress.metrics();
        Double epochMetric = m.get("epoch");
        long epoch = epochMetric != null ? Math.round(epochMetric) : progress.done();
        if (epoch <= lastEpochPrinted) {
            return List.of();
        }
        lastEpochPrinted = epoch;
        Double epochs = m.get("epochs");
        List<String> lines = new ArrayList<>();
        lines.add("    epoch %d%s: train loss %s acc %s, validation loss %.3f acc %.1f%%".formatted(epoch,
                epochs != null ? "/" + Math.round(epochs) : "", format(first(m, "trainLoss", "loss"), "%.3f"),
                percent(first(m, "trainAccuracy", "accuracy")), m.getOrDefault("validationLoss", Double.NaN),
                100 * m.get("validationAccuracy")));
        for (SeedResult.Mail mail : worst(event).stream().limit(WORST_SHOWN).toList()) {
            lines.add("      worst: %s read as %s (%s) \"%s\"".formatted(mail.gold(), mail.predicted(),
                    SpamReport.probabilities(mail.probabilities()), SpamReport.oneLine(mail.text(), TEXT_SHOWN)));
        }
        return lines;
    }

    /** The validation predictions the trainer reports as its worst, where the event carries them. */
    private static List<SeedResult.Mail> worst(JobEvent event) {
        Map<String, Object> detail = event.result();
        if (detail == null) {
            return List.of();
        }
        Object worst = detail.get("worst");
        if (!(worst instanceof List<?> list)) {
            return List.of();
        }
        List<SeedResult.Mail> mails = new ArrayList<>();
        for (Object item : list) {
            if (item instanceof Map<?, ?> p) {
                Map<String, Double> probabilities = new java.util.LinkedHashMap<>();
                if (p.get("probabilities") instanceof Map<?, ?> probs) {
                    probs.forEach((k, v) -> probabilities.put(String.valueOf(k), ((Number) v).doubleValue()));
                }
                mails.add(new SeedResult.Mail(String.valueOf(p.get("text")), String.valueOf(p.get("gold")),
                        String.valueOf(p.get("predicted")), probabilities));
            }
        }
        return mails;
    }

    private static Double first(Map<String, Double> m, String... keys) {
        for (String key : keys) {
            if (m.get(key) != null) {
                return m.get(key);
            }
        }
        return null;
    }

    private static String format(Double value, String format) {
        return value == null ? "?" : format.formatted(value);
    }

    private static String percent(Double value) {
        return value == null ? "?" : "%.1f%%".formatted(100 * value);
    }
}
