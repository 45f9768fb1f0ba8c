package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.core.tokenizer.ShardBoundaries;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.servicekit.jobs.JobFailedException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;

/** A dataset's text in the artifact store, read in pieces that tokenize the same as the whole. */
final class DatasetText {
    private final ArtifactStore artifacts;
    private final String datasetId;
    private final String key;

    private DatasetText(ArtifactStore artifacts, String datasetId) {
        this.artifacts = artifacts;
        this.datasetId = datasetId;
        this.key = ArtifactKeys.datasetText(datasetId);
    }

    static DatasetText find(ArtifactStore artifacts, String datasetId) throws JobFailedException {
        var text = new DatasetText(artifacts, datasetId);
        if (!artifacts.exists(text.key)) {
            throw new JobFailedException("dataset '" + datasetId + "' not found: there is no " + text.key
                    + " in the artifact store; upload the dataset first");
        }
        return text;
    }

    List<ShardBoundaries.Range> plan(long shardBytes) throws IOException, JobFailedException {
        long size = artifacts.size(key);
        if (size == 0) {
            throw new JobFailedException("dataset '" + datasetId + "' is empty; upload some text");
        }
        return ShardBoundaries.plan(size, shardBytes, (from, to) -> artifacts.readRange(key, from, to));
    }

    String read(long from, long to) throws IOException {
        return new String(artifacts.readRange(key, from, to), StandardCharsets.UTF_8);
    }

    /** The text as pieces of about {@code pieceBytes}, each read only when iterated to. */
    Iterable<String> pieces(long pieceBytes) throws IOException, JobFailedException {
        List<ShardBoundaries.Range> ranges = plan(pieceBytes);
        return () -> new Iterator<>() {
            private final Iterator<ShardBoundaries.Range> next = ranges.iterator();

            @Override
            public boolean hasNext() {
                return next.hasNext();
            }

            @Override
            public String next() {
                var range = next.next();
                try {
                    return read(range.from(), range.to());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
