package dev.llmmesh.launcher.demo;

import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Puts a bundled text into the artifact store as a dataset, the way the gateway's upload will: there is
 * no upload API yet, and the artifact store is a shared directory.
 */
final class Corpus {
    /** @param chars Unicode code points, the denominator people mean by "characters per token" */
    record Dataset(String id, long bytes, long chars, Path file) {
    }

    private Corpus() {
    }

    static Dataset importInto(Path source, Path artifactsDir, String datasetId) throws IOException {
        if (!Files.isRegularFile(source)) {
            throw new StackException("the demo corpus " + source + " is missing; it ships "
                    + "with the repository (datasets/corpus/), so run the demo from a complete checkout");
        }
        byte[] text = Files.readAllBytes(source);
        var store = new FileArtifactStore(artifactsDir);
        String key = ArtifactKeys.datasetText(datasetId);
        Path target = store.path(key);
        // Rewriting an identical file would only disturb tokens already derived from it.
        if (!Files.isRegularFile(target) || !Arrays.equals(Files.readAllBytes(target), text)) {
            store.write(key, text);
        }
        long chars = new String(text, StandardCharsets.UTF_8).codePoints().count();
        return new Dataset(datasetId, text.length, chars, target);
    }
}
