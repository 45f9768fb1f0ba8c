package dev.llmmesh.launcher.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PidFileTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsALiveProcess() throws IOException {
        PidFile file = new PidFile(dir.resolve("pids/self.pid"));
        file.write(ProcessHandle.current());
        assertEquals(ProcessHandle.current().pid(), file.read().orElseThrow().pid());
        assertEquals(Optional.of(ProcessHandle.current().pid()), file.process().map(ProcessHandle::pid));
    }

    @Test
    void missingFileMeansNothingRuns() throws IOException {
        PidFile file = new PidFile(dir.resolve("none.pid"));
        assertTrue(file.read().isEmpty());
        assertTrue(file.process().isEmpty());
        file.delete();
    }

    @Test
    void garbledFileIsIgnored() throws IOException {
        Path path = dir.resolve("garbled.pid");
        Files.writeString(path, "not a pid\n");
        assertTrue(new PidFile(path).process().isEmpty());
        Files.writeString(path, "");
        assertTrue(new PidFile(path).process().isEmpty());
    }

    @Test
    void exitedProcessIsNotRunning() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        PidFile file = new PidFile(dir.resolve("exited.pid"));
        Files.writeString(file.path(), exited.pid() + "\n");
        assertTrue(file.read().isPresent());
        assertTrue(file.process().isEmpty());
    }

    @Test
    void reusedPidIsNotOurProcess() throws IOException {
        // This JVM's pid with another start time: what a recycled pid after a reboot looks like.
        PidFile file = new PidFile(dir.resolve("reused.pid"));
        Files.writeString(file.path(), ProcessHandle.current().pid() + "\n" + Instant.parse("2001-01-01T00:00:00Z")
                .toEpochMilli() + "\n");
        assertTrue(file.process().isEmpty());
    }

    @Test
    void pidWithoutStartTimeIsTrusted() throws IOException {
        PidFile file = new PidFile(dir.resolve("old-format.pid"));
        Files.writeString(file.path(), ProcessHandle.current().pid() + "\n");
        assertTrue(file.process().isPresent());
    }

    @Test
    void deleteRemovesTheFile() throws IOException {
        PidFile file = new PidFile(dir.resolve("gone.pid"));
        file.write(ProcessHandle.current());
        file.delete();
        assertFalse(Files.exists(file.path()));
    }
}
