package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The replica counts {@code up} was last given, kept while the stack runs: {@code status}, {@code down}, a later
 * {@code up} and the demo then see the same stack without being told again. {@code down} deletes it, so the next
 * {@code up} starts one of each, as a fresh {@code docker compose up} would.
 */
public record ReplicaFile(Path path) {
    public Replicas read() {
        try {
            if (!Files.isRegularFile(path)) {
                return Replicas.ONE_EACH;
            }
            List<String> lines = Files.readAllLines(path).stream()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            return Replicas.parse(lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (StackException e) {
            throw new StackException(path + " is not what `up --replicas` writes (" + e.getMessage()
                    + "); delete it to go back to one replica each", e);
        }
    }

    public void write(Replicas replicas) throws IOException {
        if (replicas.specs().isEmpty()) {
            delete();
            return;
        }
        Files.createDirectories(path.getParent());
        Files.writeString(path, "# written by `bin/llm-mesh up --replicas`; removed by `down`\n"
                + String.join("\n", replicas.specs()) + "\n");
    }

    public void delete() throws IOException {
        Files.deleteIfExists(path);
    }
}
