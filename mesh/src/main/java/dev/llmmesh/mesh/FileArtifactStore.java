package dev.llmmesh.mesh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/** An {@link ArtifactStore} on a directory (a shared volume when services run in containers). */
public final class FileArtifactStore implements ArtifactStore {
    private final Path root;

    public FileArtifactStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** The file behind a key; keys may not escape the root. */
    public Path path(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.contains("\\")) {
            throw new IllegalArgumentException("artifact key must be a relative '/'-separated path, got " + key);
        }
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw new IllegalArgumentException("artifact key " + key + " points outside the artifact store");
        }
        return p;
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(path(key));
    }

    @Override
    public InputStream open(String key) throws IOException {
        return Files.newInputStream(path(key));
    }

    @Override
    public byte[] readRange(String key, long from, long to) throws IOException {
        if (from < 0 || to < from || to - from > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bad range [" + from + ", " + to + ") of " + key);
        }
        try (RandomAccessFile file = new RandomAccessFile(path(key).toFile(), "r")) {
            if (to > file.length()) {
                throw new IllegalArgumentException("range end " + to + " is past the end of " + key + " (" + file.length()
                        + " bytes)");
            }
            byte[] bytes = new byte[(int) (to - from)];
            file.seek(from);
            file.readFully(bytes);
            return bytes;
        } catch (java.io.FileNotFoundException e) {
            throw new NoSuchFileException(key);
        }
    }

    @Override
    public long size(String key) throws IOException {
        return Files.size(path(key));
    }

    @Override
    public void write(String key, Writer writer) throws IOException {
        Path target = path(key);
        Path created = firstMissing(target.getParent());
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".tmp-" + target.getFileName(), "");
        boolean written = false;
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            written = true;
        } finally {
            Files.deleteIfExists(tmp);
            if (!written && created != null) {
                removeEmpty(target.getParent(), created);
            }
        }
    }

    /**
     * Removes a directory of artifacts (a model's files) and everything in it; nothing happens when there is none.
     * Not atomic: readers must have been told first that it is going (a model is withdrawn before its files go).
     */
    public void deleteTree(String key) throws IOException {
        Path dir = path(key);
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The outermost directory on the way to {@code dir} that does not exist yet, or null when it exists. */
    private static Path firstMissing(Path dir) {
        Path missing = null;
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    /**
     * A failed write leaves nothing behind, not even the directories it made (a refused dataset upload left an
     * empty {@code datasets/{id}/}); a directory something else wrote into meanwhile stays.
     */
    private static void removeEmpty(Path from, Path upTo) {
        for (Path p = from; p != null && p.startsWith(upTo); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException notEmpty) {
                return;
            }
        }
    }

    @Override
    public boolean createIfAbsent(String key, byte[] bytes) throws IOException {
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".tmp-" + target.getFileName(), "");
        try {
            Files.write(tmp, bytes, StandardOpenOption.TRUNCATE_EXISTING);
            // A hard link fails if the target exists, so the content appears whole and only once.
            Files.createLink(target, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | AccessDeniedException e) {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
                out.write(bytes);
                return true;
            } catch (FileAlreadyExistsException raced) {
                return false;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("list takes a prefix ending in '/', got " + prefix);
        }
        Path dir = path(prefix.substring(0, prefix.length() - 1));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".tmp-")).sorted().toList();
        }
    }
}
