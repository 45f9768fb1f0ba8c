package dev.llmmesh.launcher.demo;

import java.util.Optional;

/**
 * Turns the lines of a {@code text/event-stream} into events, as the HTML standard's event-stream interpretation
 * describes: fields accumulate until a blank line dispatches them, {@code :} lines are comments (the gateway's
 * keep-alives), and a block without data is no event. Fed line by line, so it never blocks and reads the
 * same whether the lines come from a socket or a test.
 */
final class SseReader {
    private static final String DEFAULT_EVENT = "message";

    private String event;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String lastId;

    /** @param line one line without its terminator (CR, LF or CRLF) */
    Optional<SseEvent> line(String line) {
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.startsWith(":")) {
            return Optional.empty();
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        // Exactly one space after the colon belongs to the syntax, not to the value.
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> event = value;
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastId = value;
                }
            }
            default -> {
                // "retry" only matters to a client that reconnects by the server's clock; unknown fields are ignored.
            }
        }
        return Optional.empty();
    }

    private Optional<SseEvent> dispatch() {
        Optional<SseEvent> result = hasData
                ? Optional.of(new SseEvent(event == null || event.isEmpty() ? DEFAULT_EVENT : event, data.toString(), lastId))
                : Optional.empty();
        event = null;
        data.setLength(0);
        hasData = false;
        return result;
    }
}
