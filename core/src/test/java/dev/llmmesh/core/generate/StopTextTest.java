package dev.llmmesh.core.generate;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopTextTest {
    @Test
    void aStopSpanningTokensIsCutAndNeverEmitted() {
        StopText stop = new StopText(List.of("END"));
        assertEquals("hello ", stop.push("hello E"));
        assertEquals("", stop.push("N"), "'EN' could still become END: held");
        assertEquals("", stop.push("Dless"));
        assertTrue(stop.stopped());
        assertEquals("", stop.push("more"));
    }

    @Test
    void heldTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        StopText stop = new StopText(List.of("END", "\n\n"));
        assertEquals("a", stop.push("aE"));
        assertEquals("ENd", stop.push("Nd\n"), "'ENd' is not END; the newline may start \\n\\n: held");
        assertEquals("\nx", stop.push("x"));
        assertFalse(stop.stopped());
        assertEquals("", stop.flush());
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopText stop = new StopText(List.of("cd", "b"));
        assertEquals("a", stop.push("abcd"));
        assertTrue(stop.stopped());
        StopText atEnd = new StopText(List.of("xyz"));
        assertEquals("ab", atEnd.push("abxy"));
        assertEquals("xy", atEnd.flush(), "no stop came: the held text is released at the end");
    }

    @Test
    void charactersSplitAcrossTokensComeOutWhole() {
        byte[] e = "é€😀".getBytes(StandardCharsets.UTF_8);   // 2 + 3 + 4 bytes
        Utf8Stream utf8 = new Utf8Stream();
        assertEquals("", utf8.push(new byte[] {e[0]}));
        assertEquals("é", utf8.push(new byte[] {e[1], e[2]}));
        assertEquals("€", utf8.push(new byte[] {e[3], e[4], e[5]}));
        assertEquals("", utf8.push(new byte[] {e[6], e[7]}));
        assertEquals("😀", utf8.push(new byte[] {e[8]}));
        assertEquals("a", utf8.push(new byte[] {'a'}));
        assertEquals("", utf8.push(new byte[] {e[0]}));
        assertEquals("\uFFFD", utf8.flush(), "an unfinished character at the end");
    }
}
