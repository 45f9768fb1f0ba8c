package dev.llmmesh.launcher.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Progress;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches a fine-tune's events: the progress bar's message (epoch, the latest batch loss, the last validation
 * figures), and at the end of each epoch one line of figures with the validation mails the model gets most wrong,
 * so a user sees what it is learning while it learns. The trainer sends the epoch's figures in the progress's
 * metrics ({@code trainLoss}, {@code trainAccuracy}, {@code validationLoss}, {@code validationAccuracy},
 * {@code epoch}, {@code epochs}) and its best and worst predictions in the progress's {@code details}.
 */
final class EpochWatch {
    private static final int WORST_SHOWN = 2;
    private static final int TEXT_SHOWN = 100;

    private final PrintStream out;
    private long lastEpochPrinted;
    private Double validationLoss;
    private Double validationAccuracy;

    EpochWatch(PrintStream out) {
        this.out = out;
    }

    /** "epoch 2/3 loss 0.412 | val 0.388 84.0%": validation figures stay until the next epoch's replace them. */
    String barMessage(Progress progress) {
        Map<String, Double> m = progress.metrics();
        if (m.get("validationLoss") != null && m.get("validationAccuracy") != null) {
            validationLoss = m.get("validationLoss");
            validationAccuracy = m.get("validationAccuracy");
        }
        List<String> parts = new ArrayList<>();
        if (m.get("epoch") != null && m.get("epochs") != null) {
            parts.add("epoch %d/%d".formatted(Math.round(m.get("epoch")), Math.round(m.get("epochs"))));
        }
        Double loss = m.get("loss") != null ? m.get("loss") : m.get("trainLoss");
        if (loss != null) {
            parts.add("loss %.3f".formatted(loss));
        }
        if (validationLoss != null) {
            parts.add("| val %.3f %.1f%%".formatted(validationLoss, 100 * validationAccuracy));
        }
        return String.join(" ", parts);
    }

    /** Prints an epoch's lines once, when its validation figures first arrive (a replay sends them again). */
    void event(JsonNode event) {
        // On a terminal the bar's line is cleared and redrawn below; written to a file or pipe it stays, unended.
        String first = System.console() != null ? "\r\033[K" : System.lineSeparator();
        List<String> lines = lines(event);
        for (int i = 0; i < lines.size(); i++) {
            out.println((i == 0 ? first : "") + lines.get(i));
        }
    }

    List<String> lines(JsonNode event) {
        JsonNode progress = event.path("progress");
        JsonNode m = progress.path("metrics");
        if (!m.hasNonNull("validationAccuracy") || !m.hasNonNull("epoch")) {
            return List.of();
        }
        long epoch = Math.round(m.get("epoch").asDouble());
        if (epoch <= lastEpochPrinted) {
            return List.of();
        }
        lastEpochPrinted = epoch;
        List<String> lines = new ArrayList<>();
        lines.add("    epoch %d%s: train loss %s acc %s, validation loss %s acc %s%s%s".formatted(epoch,
                m.hasNonNull("epochs") ? "/" + Math.round(m.get("epochs").asDouble()) : "",
                number(m, "trainLoss"), percent(m, "trainAccuracy"), number(m, "validationLoss"),
                percent(m, "validationAccuracy"),
                m.path("bestSoFar").asDouble() == 1.0 ? " (best so far)" : "",
                m.hasNonNull("seconds") ? ", %.0f s".formatted(m.get("seconds").asDouble()) : ""));
        for (JsonNode p : progress.path("details").path("worst")) {
            if (lines.size() == 1 + WORST_SHOWN) {
                break;
            }
            lines.add("      worst: %s read as %s (%s) \"%s\"".formatted(p.path("gold").asText(),
                    p.path("predicted").asText(), SpamReport.probabilities(probabilities(p.path("probabilities"))),
                    SpamReport.oneLine(p.path("text").asText(), TEXT_SHOWN)));
        }
        return lines;
    }

    private static Map<String, Double> probabilities(JsonNode p) {
        Map<String, Double> map = new LinkedHashMap<>();
        p.properties().forEach(e -> map.put(e.getKey(), e.getValue().asDouble()));
        return map;
    }

    private static String number(JsonNode m, String key) {
        return m.hasNonNull(key) ? "%.3f".formatted(m.get(key).asDouble()) : "?";
    }

    private static String percent(JsonNode m, String key) {
        return m.hasNonNull(key) ? "%.1f%%".formatted(100 * m.get(key).asDouble()) : "?";
    }
}
