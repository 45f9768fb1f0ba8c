package dev.llmmesh.eval.tasks;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.eval.EvalSample;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An evaluation's {@code samples.jsonl}, written as examples are scored into a file beside it and put in place
 * whole at the end: a reader never sees half a file, and a rerun (a redelivered job) starts it again.
 */
public final class SampleFile implements AutoCloseable {
    private final FileArtifactStore artifacts;
    private final String evalId;
    private final Path partial;
    private final OutputStream out;

    public SampleFile(FileArtifactStore artifacts, String evalId) throws IOException {
        this.artifacts = artifacts;
        this.evalId = evalId;
        this.partial = artifacts.path(ArtifactKeys.evalDir(evalId) + ".samples.jsonl.partial");
        Files.createDirectories(partial.getParent());
        this.out = new BufferedOutputStream(Files.newOutputStream(partial));
    }

    public void write(EvalSample sample) throws IOException {
        out.write(Json.bytes(sample));
        out.write('\n');
    }

    /** Puts the samples in place as {@code evals/{id}/samples.jsonl}. */
    public void finish() throws IOException {
        out.close();
        artifacts.write(ArtifactKeys.evalSamples(evalId), target -> Files.copy(partial, target));
        Files.deleteIfExists(partial);
    }

    @Override
    public void close() throws IOException {
        out.close();
        Files.deleteIfExists(partial);
    }
}
