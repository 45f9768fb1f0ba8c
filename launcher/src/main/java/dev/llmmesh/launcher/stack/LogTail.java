package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The last lines of a log file, read from its end: a service log may have grown to gigabytes. */
public final class LogTail {
    private static final int MAX_BYTES = 1 << 20;

    private LogTail() {
    }

    public static List<String> lastLines(Path file, int lines) throws IOException {
        if (lines <= 0 || !Files.isRegularFile(file)) {
            return List.of();
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            // Average lines are short; 1 MiB covers any sensible tail without reading the whole file.
            int size = (int) Math.min(length, Math.min(MAX_BYTES, Math.max(16_384L, lines * 400L)));
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            String[] all = new String(bytes, StandardCharsets.UTF_8).split("\r?\n", -1);
            int end = all.length;
            if (end > 0 && all[end - 1].isEmpty()) {
                end--;
            }
            // The first line is probably cut in half unless the whole file fit.
            int first = size < length ? 1 : 0;
            int start = Math.max(first, end - lines);
            return List.copyOf(Arrays.asList(all).subList(start, end));
        }
    }

    /** A tail for an error message, indented; empty when the log is empty or unreadable. */
    public static String excerpt(Path file, int lines) {
        try {
            List<String> tail = lastLines(file, lines);
            if (tail.isEmpty()) {
                return "";
            }
            return "\n  last lines of " + file.getFileName() + ":\n    | " + String.join("\n    | ", tail);
        } catch (IOException e) {
            return "";
        }
    }
}
