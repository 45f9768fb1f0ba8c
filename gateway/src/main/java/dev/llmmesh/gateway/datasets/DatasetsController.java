package dev.llmmesh.gateway.datasets;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.llmmesh.gateway.api.BodyErrors;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.DatasetInfo;
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
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Datasets: upload one in a format, list them, look at one and at its rows. */
@Controller("/v1/datasets")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "datasets")
public class DatasetsController {
    private static final Set<String> JSONL_TYPES = Set.of("application/jsonl", "application/x-ndjson",
            "application/jsonlines", "application/x-jsonlines");

    private final DatasetStore datasets;

    public DatasetsController(DatasetStore datasets) {
        this.datasets = datasets;
    }

    public record DatasetList(String object, List<DatasetInfo> data) {
    }

    @Schema(description = "a page of a dataset's rows")
    public record RowList(String object,
                          @ArraySchema(schema = @Schema(type = "object", additionalProperties =
                                  Schema.AdditionalPropertiesValue.TRUE, description = "a row: its format's fields, "
                                  + "e.g. {\"text\": \"...\", \"label\": 1}")) List<Map<String, Object>> data,
                          long offset, int limit, @Schema(description = "rows in the dataset") long total) {
    }

    @Post(consumes = {"text/plain", "application/jsonl", "application/x-ndjson", "application/jsonlines",
            "application/x-jsonlines", "application/octet-stream"})
    @Operation(summary = "Upload a dataset as the request body (UTF-8) in a format: text, jsonl-text (jsonl), "
            + "jsonl-labeled, alpaca (a JSON array or JSONL), multiple-choice; every row is checked, a bad one refused "
            + "naming its line and field")
    @ApiResponse(responseCode = "201", description = "stored; Location is its URL",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DatasetInfo.class)))
    @ApiResponse(responseCode = "409", description = "a dataset with this id exists",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @ProblemErrors
    @BodyErrors
    @Status(HttpStatus.CREATED)
    public HttpResponse<?> upload(HttpRequest<?> request, @Body InputStream body, @QueryValue @Nullable String id,
                                  @QueryValue @Nullable String name,
                                  @QueryValue @Nullable @Parameter(description = "the rows' format (jsonl is "
                                          + "jsonl-text); default: text, or jsonl-text for a JSONL Content-Type",
                                          // DatasetsApiTest checks these are DatasetFormat's names.
                                          schema = @Schema(type = "string", allowableValues = {"text", "jsonl-text",
                                                  "jsonl", "jsonl-labeled", "alpaca", "multiple-choice"}))
                                  String format)
            throws IOException {
        try {
            String datasetId = id == null ? Ids.random("ds") : checkedId(id);
            DatasetFormat kind = format(format, request.getContentType().orElse(null));
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
        return datasets.find(checkedId(id)).orElseThrow(() -> notFound(id));
    }

    @Get("/{id}/rows")
    @Operation(summary = "A page of the dataset's rows, each an object with its format's fields (a text dataset's "
            + "rows are its lines)")
    @ProblemErrors
    public RowList rows(@PathVariable String id,
                        @QueryValue(defaultValue = "0") @Nullable @Schema(minimum = "0", defaultValue = "0") Long offset,
                        @QueryValue(defaultValue = "20") @Nullable @Schema(minimum = "1", maximum = "1000",
                                defaultValue = "20") Integer limit) throws IOException {
        if (offset < 0) {
            throw ProblemException.badField("offset", "offset must be 0 or more, got " + offset);
        }
        if (limit < 1 || limit > 1000) {
            throw ProblemException.badField("limit", "limit must be between 1 and 1000, got " + limit);
        }
        DatasetStore.Page page = datasets.rows(checkedId(id), offset, limit).orElseThrow(() -> notFound(id));
        List<Map<String, Object>> rows = page.rows().stream()
                .map(row -> Json.LENIENT.<Map<String, Object>>convertValue(row, new TypeReference<>() {
                })).toList();
        return new RowList("list", rows, offset, limit, page.total());
    }

    /** {@code ?format=} wins over the content type; without either, text. */
    private static DatasetFormat format(String formatParam, MediaType contentType) {
        if (formatParam != null) {
            try {
                return DatasetFormat.named(formatParam);
            } catch (IllegalArgumentException e) {
                throw ProblemException.badField("format", e.getMessage());
            }
        }
        if (contentType == null || contentType.getName().equals(MediaType.TEXT_PLAIN)) {
            return DatasetFormat.TEXT;
        }
        if (JSONL_TYPES.contains(contentType.getName())) {
            return DatasetFormat.JSONL_TEXT;
        }
        throw new ProblemException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type", "upload text/plain or "
                + "application/jsonl, or name the format with ?format= (one of " + DatasetFormat.names() + "), got "
                + contentType.getName());
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(HttpStatus.NOT_FOUND, "id", "no dataset '" + id + "'; GET /v1/datasets lists them");
    }

    private static String checkedId(String id) {
        try {
            return Ids.require("id", id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badField("id", e.getMessage());
        }
    }
}
