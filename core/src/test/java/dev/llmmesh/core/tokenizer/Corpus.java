package dev.llmmesh.core.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The bundled test corpus (datasets/corpus at the repository root; see its README for provenance). */
final class Corpus {
    static final Path DIR = Path.of("..", "datasets", "corpus");

    private Corpus() {
    }

    static List<Path> files() {
        try (Stream<Path> s = Files.walk(DIR)) {
            return s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String mobyDick(int chars) {
        String text = read(DIR.resolve("moby-dick.txt"));
        return text.substring(0, Math.min(chars, text.length()));
    }
}
