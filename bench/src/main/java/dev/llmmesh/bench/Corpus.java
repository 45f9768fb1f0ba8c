package dev.llmmesh.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The .txt files of a corpus directory, read whole, in a stable order. */
record Corpus(Path dir, List<String> names, List<String> texts, long utf8Bytes) {
    static Corpus load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("corpus directory " + dir.toAbsolutePath()
                    + " does not exist; run from the repository root or pass --corpus");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".txt") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .txt files under " + dir.toAbsolutePath());
        }
        List<String> texts = files.stream().map(Corpus::read).toList();
        long bytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
        return new Corpus(dir, files.stream().map(p -> dir.relativize(p).toString()).toList(), texts, bytes);
    }

    double megabytes() {
        return utf8Bytes / 1e6;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
