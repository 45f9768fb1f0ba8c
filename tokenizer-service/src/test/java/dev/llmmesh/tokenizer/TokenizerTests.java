package dev.llmmesh.tokenizer;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** What this module's {@code @MicronautTest} classes share. */
final class TokenizerTests {
    private TokenizerTests() {
    }

    /** The shared broker and redis-server, and a fresh artifacts directory; mutable, for a test's own additions. */
    static Map<String, String> properties() {
        Map<String, String> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", tempDir().toString());
        return props;
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("artifacts");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Writes a small dataset ({@code <datasetPrefix><id>}, three shards of 2048 bytes) and sends a tokenize-dataset
     * job for it with {@code headers}; returns the job id.
     */
    static String tokenizeSmallDataset(ArtifactStore artifacts, String datasetPrefix, Map<String, String> headers)
            throws Exception {
        String datasetId = datasetPrefix + shortId();
        artifacts.write(ArtifactKeys.datasetText(datasetId), "Call me Ishmael. ".repeat(300).getBytes(StandardCharsets.UTF_8));
        String jobId = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, jobId, """
                {"type":"tokenize-dataset","jobId":"%s","datasetId":"%s","tokenizerId":"gpt2","shardBytes":2048}
                """.formatted(jobId, datasetId).getBytes(StandardCharsets.UTF_8), headers);
        return jobId;
    }
}
