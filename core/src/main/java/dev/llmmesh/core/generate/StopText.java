package dev.llmmesh.core.generate;

import java.util.List;

/**
 * Watches generated text for stop sequences as it streams, across token boundaries: text that could still turn
 * out to be the start of a stop sequence is held back until the next tokens settle it, so the stop text is never
 * emitted, not even in part.
 */
final class StopText {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopText(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    /** Adds {@code text}; returns what may be emitted now (text before a stop, once one is found). */
    String push(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        int earliest = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        int hold = heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** The text still held back, at the end of generation when no stop came. */
    String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    boolean stopped() {
        return stopped;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of some stop sequence. */
    private int heldBack() {
        String text = pending.toString();
        int best = 0;
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, text.length()); len > best; len--) {
                if (text.regionMatches(text.length() - len, stop, 0, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
