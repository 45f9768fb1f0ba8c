package dev.llmmesh.launcher.demo;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseReaderTest {
    @Test
    void aBlankLineDispatchesTheFieldsBeforeIt() {
        List<SseEvent> events = read("event: running", "data: {\"state\":\"RUNNING\"}", "", "event: succeeded",
                "data: {\"state\":\"SUCCEEDED\"}", "");
        assertEquals(List.of(new SseEvent("running", "{\"state\":\"RUNNING\"}", null),
                new SseEvent("succeeded", "{\"state\":\"SUCCEEDED\"}", null)), events);
    }

    @Test
    void commentsAreKeepAlivesNotEvents() {
        assertEquals(List.of(), read(": keep-alive", "", ":", ""));
        assertEquals(List.of(new SseEvent("queued", "x", null)), read("event: queued", ": keep-alive", "data: x", ""));
    }

    @Test
    void dataLinesJoinWithNewlinesAndOnlyOneLeadingSpaceIsSyntax() {
        assertEquals(List.of(new SseEvent("message", "a\n  b\nc", null)), read("data: a", "data:   b", "data:c", ""));
    }

    @Test
    void aBlockWithoutDataIsNoEventAndDoesNotLeakItsTypeIntoTheNext() {
        assertEquals(List.of(new SseEvent("message", "x", null)), read("event: running", "", "data: x", ""));
    }

    @Test
    void anEventCutOffByTheEndOfTheStreamIsNotDispatched() {
        assertEquals(List.of(), read("event: succeeded", "data: {}"));
    }

    @Test
    void theLastIdStaysWithLaterEventsAndUnknownFieldsAreIgnored() {
        assertEquals(List.of(new SseEvent("message", "1", "7"), new SseEvent("message", "2", "7")),
                read("id: 7", "retry: 1000", "colour: blue", "data: 1", "", "data: 2", ""));
    }

    @Test
    void aFieldWithoutAColonHasAnEmptyValue() {
        assertEquals(List.of(new SseEvent("message", "", null)), read("data", ""));
    }

    private static List<SseEvent> read(String... lines) {
        SseReader reader = new SseReader();
        List<SseEvent> events = new ArrayList<>();
        for (String line : lines) {
            reader.line(line).ifPresent(events::add);
        }
        return events;
    }
}
