package dev.llmmesh.gateway.datasets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.DatasetInfo;
import dev.llmmesh.mesh.datasets.DatasetRows;
import dev.llmmesh.mesh.datasets.DatasetWriter;
import dev.llmmesh.mesh.datasets.Datasets;
import dev.llmmesh.mesh.datasets.InvalidDatasetException;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.format.ReadableBytes;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's side of the datasets in the artifact store (mesh's {@link Datasets} and {@link DatasetWriter}):
 * the upload limit, and the answers to conflicts and bad rows.
 */
@Singleton
public class DatasetStore {
    private final Datasets datasets;
    private final DatasetWriter writer;
    private final long maxBytes;

    public DatasetStore(ArtifactStore artifacts, @Value("${llm.gateway.max-dataset-bytes}") @ReadableBytes long maxBytes) {
        this.datasets = new Datasets(artifacts);
        this.writer = new DatasetWriter(artifacts);
        this.maxBytes = maxBytes;
    }

    public DatasetInfo upload(String id, String name, DatasetFormat format, InputStream body) throws IOException {
        try {
            return writer.upload(id, name, format, new LimitedInputStream(body, maxBytes)).withTokens(Map.of());
        } catch (FileAlreadyExistsException e) {
            throw new ProblemException(HttpStatus.CONFLICT, "id", "dataset '" + id + "' already exists; choose "
                    + "another id or leave id out to get a fresh one");
        } catch (InvalidDatasetException e) {
            String hint = e.where().equals("body") ? "" : " (a " + format.apiName() + " row is " + format.schema()
                    + "; ?format= names the format, one of " + DatasetFormat.names() + ")";
            throw ProblemException.badField("body", e.getMessage() + hint);
        }
    }

    public Optional<DatasetInfo> find(String id) throws IOException {
        return datasets.find(id);
    }

    public List<DatasetInfo> list() throws IOException {
        return datasets.list();
    }

    /** Rows {@code [offset, offset + limit)} of a dataset, or empty when there is no such dataset. */
    public Optional<Page> rows(String id, long offset, int limit) throws IOException {
        Optional<DatasetRows> rows = datasets.rows(id);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Page(rows.get().page(offset, limit), rows.get().total()));
    }

    public record Page(List<ObjectNode> rows, long total) {
    }
}
