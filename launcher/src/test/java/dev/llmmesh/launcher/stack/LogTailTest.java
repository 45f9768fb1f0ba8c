package dev.llmmesh.launcher.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogTailTest {
    @TempDir
    Path dir;

    @Test
    void lastLinesOfASmallFile() throws IOException {
        Path log = dir.resolve("a.log");
        Files.writeString(log, "one\ntwo\nthree\n");
        assertEquals(List.of("two", "three"), LogTail.lastLines(log, 2));
        assertEquals(List.of("one", "two", "three"), LogTail.lastLines(log, 10));
    }

    @Test
    void lastLinesOfALargeFileAreWhole() throws IOException {
        Path log = dir.resolve("big.log");
        Files.writeString(log, IntStream.range(0, 200_000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n")));
        assertEquals(List.of("line 199997", "line 199998", "line 199999"), LogTail.lastLines(log, 3));
    }

    @Test
    void missingFileHasNoLines() throws IOException {
        assertEquals(List.of(), LogTail.lastLines(dir.resolve("none.log"), 5));
        assertEquals("", LogTail.excerpt(dir.resolve("none.log"), 5));
    }
}
