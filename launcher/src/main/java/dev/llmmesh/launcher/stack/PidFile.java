package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The pid of a background process this launcher started, with the process's start time: after a reboot
 * or a crash the pid may belong to an unrelated process, and the start time tells the two apart so
 * {@code down} never signals a stranger.
 */
public record PidFile(Path path) {

    /** What a pid file says, whether or not that process still runs. */
    public record Entry(long pid, Optional<Instant> started) {
    }

    public void write(ProcessHandle process) throws IOException {
        Files.createDirectories(path.getParent());
        String started = process.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("");
        // Written aside and moved, so a concurrent status never reads half a file.
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        Files.writeString(tmp, process.pid() + "\n" + started + "\n");
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The recorded entry; empty when there is no file or it is not one of ours (garbled). */
    public Optional<Entry> read() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(lines.getFirst().strip());
            Optional<Instant> started = lines.size() > 1 && !lines.get(1).isBlank()
                    ? Optional.of(Instant.ofEpochMilli(Long.parseLong(lines.get(1).strip())))
                    : Optional.empty();
            return Optional.of(new Entry(pid, started));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The live process this file names, if it is still the one that was started. */
    public Optional<ProcessHandle> process() throws IOException {
        return read().flatMap(PidFile::live);
    }

    public void delete() throws IOException {
        Files.deleteIfExists(path);
    }

    static Optional<ProcessHandle> live(Entry entry) {
        return ProcessHandle.of(entry.pid())
                .filter(ProcessHandle::isAlive)
                .filter(handle -> sameStart(entry, handle));
    }

    private static boolean sameStart(Entry entry, ProcessHandle handle) {
        Optional<Instant> actual = handle.info().startInstant();
        if (entry.started().isEmpty() || actual.isEmpty()) {
            return true;
        }
        // The kernel reports start times in clock ticks (10 ms); allow a little slack.
        return Math.abs(actual.get().toEpochMilli() - entry.started().get().toEpochMilli()) < 1_000;
    }
}
