package dev.llmmesh.launcher.demo;

/**
 * One server-sent event.
 *
 * @param event its type ({@code event:} field), "message" when the server named none
 * @param data  its {@code data:} lines joined by newlines
 * @param id    its {@code id:} field, null when absent
 */
record SseEvent(String event, String data, String id) {
}
