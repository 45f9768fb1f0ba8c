package dev.llmmesh.mesh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileArtifactStoreTest {
    @TempDir
    Path dir;

    @Test
    void writesReadsAndListsWithoutLeavingTemporaryFiles() throws Exception {
        var store = new FileArtifactStore(dir);
        store.write("datasets/a/data.txt", "hello world".getBytes(StandardCharsets.UTF_8));
        store.write("datasets/a/other.bin", new byte[]{1, 2});
        assertTrue(store.exists("datasets/a/data.txt"));
        assertEquals(11, store.size("datasets/a/data.txt"));
        assertArrayEquals("world".getBytes(StandardCharsets.UTF_8), store.readRange("datasets/a/data.txt", 6, 11));
        try (var in = store.open("datasets/a/data.txt")) {
            assertEquals("hello world", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("data.txt", "other.bin"), store.list("datasets/a/"));
        assertEquals(List.of(), store.list("datasets/missing/"));
    }

    @Test
    void aFailedWriteLeavesTheOldContent() throws Exception {
        var store = new FileArtifactStore(dir);
        store.write("k/v", new byte[]{7});
        assertThrows(java.io.IOException.class, () -> store.write("k/v", out -> {
            out.write(9);
            throw new java.io.IOException("disk full");
        }));
        assertArrayEquals(new byte[]{7}, store.readRange("k/v", 0, 1));
        assertEquals(List.of("v"), store.list("k/"));
    }

    @Test
    void aFailedWriteRemovesTheDirectoriesItMadeAndOnlyThose() throws Exception {
        var store = new FileArtifactStore(dir);
        store.write("datasets/kept/data.txt", new byte[]{1});
        assertThrows(java.io.IOException.class, () -> store.write("datasets/refused/data.txt", out -> {
            throw new java.io.IOException("refused");
        }));
        assertThrows(java.io.IOException.class, () -> store.write("datasets/x/tokens/gpt2/0.bin", out -> {
            throw new java.io.IOException("refused");
        }));
        assertEquals(List.of("kept"), store.list("datasets/"));
        assertThrows(java.io.IOException.class, () -> store.write("datasets/kept/more.txt", out -> {
            throw new java.io.IOException("refused");
        }));
        assertEquals(List.of("data.txt"), store.list("datasets/kept/"));
    }

    @Test
    void exactlyOneRacingCreatorWins() throws Exception {
        var store = new FileArtifactStore(dir);
        try (var pool = Executors.newFixedThreadPool(8)) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                byte[] mine = ("writer " + i).getBytes(StandardCharsets.UTF_8);
                results.add(pool.submit((Callable<Boolean>) () -> store.createIfAbsent("m/manifest.json", mine)));
            }
            int winners = 0;
            for (var r : results) {
                winners += r.get() ? 1 : 0;
            }
            assertEquals(1, winners);
        }
        assertFalse(store.createIfAbsent("m/manifest.json", new byte[0]));
        assertEquals(List.of("manifest.json"), store.list("m/"));
    }

    @Test
    void keysCannotEscapeTheRoot() {
        var store = new FileArtifactStore(dir);
        assertThrows(IllegalArgumentException.class, () -> store.path("../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> store.path("/etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> store.path("a/../../b"));
        assertThrows(NoSuchFileException.class, () -> store.readRange("nope", 0, 0));
    }
}
