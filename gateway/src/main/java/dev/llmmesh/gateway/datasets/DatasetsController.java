package dev.llmmesh.gateway.datasets;

import dev.llmmesh.gateway.api.BodyErrors;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.servicekit.http.Problem;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;

/** Datasets: upload text or JSONL, list, look at one. */
@Controller("/v1/datasets")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "datasets")
public class DatasetsController {
    private final DatasetStore datasets;

    public DatasetsController(DatasetStore datasets) {
        this.datasets = datasets;
    }

    public record DatasetList(String object, List<DatasetInfo> data) {
    }

    @Post(consumes = {"text/plain", "application/jsonl", "application/x-ndjson", "application/jsonlines",
            "application/x-jsonlines", "application/octet-stream"})
    @Operation(summary = "Upload a dataset as the request body: UTF-8 text, or JSONL with a string 'text' per line")
    @ApiResponse(responseCode = "201", description = "stored; Location is its URL",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DatasetInfo.class)))
    @ApiResponse(responseCode = "409", description = "a dataset with this id exists",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @ProblemErrors
    @BodyErrors
    @Status(HttpStatus.CREATED)
    public HttpResponse<?> upload(HttpRequest<?> request, @Body InputStream body, @QueryValue @Nullable String id,
                                  @QueryValue @Nullable String name, @QueryValue @Nullable String format)
            throws IOException {
        try {
            String datasetId = id == null ? Ids.random("ds") : checkedId(id);
            DatasetFormat kind = DatasetFormat.of(format, request.getContentType().orElse(null));
            DatasetInfo info = datasets.upload(datasetId, name == null ? datasetId : name, kind, body);
            return HttpResponse.created(info, URI.create("/v1/datasets/" + datasetId));
        } catch (ProblemException e) {
            // A refusal may come before the body was read (or half-way through it): the rest of the body is
            // still on the connection, so it must not be reused for the client's next request.
            return HttpResponse.status(e.status()).header(HttpHeaders.CONNECTION, "close")
                    .contentType(Problem.MEDIA_TYPE).body(e.toProblem());
        }
    }

    @Get
    @ProblemErrors
    public DatasetList list() throws IOException {
        return new DatasetList("list", datasets.list());
    }

    @Get("/{id}")
    @ProblemErrors
    public DatasetInfo get(@PathVariable String id) throws IOException {
        return datasets.find(checkedId(id)).orElseThrow(() -> new ProblemException(HttpStatus.NOT_FOUND, "id",
                "no dataset '" + id + "'; GET /v1/datasets lists them"));
    }

    private static String checkedId(String id) {
        try {
            return Ids.require("id", id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badField("id", e.getMessage());
        }
    }
}
