package dev.llmmesh.gateway.models;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.llmmesh.core.model.HuggingFaceFiles;
import dev.llmmesh.core.model.InvalidModelFilesException;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.servicekit.http.JsonBody;
import dev.llmmesh.servicekit.http.Problem;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.format.ReadableBytes;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code POST /v1/models/import}: a HuggingFace GPT-2 directory, uploaded or already in the artifact store. */
@Controller("/v1/models")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "models")
public class ModelImportController {
    private static final String STAGING = "staging/";
    /** A JSON request names a directory; it is never large. */
    private static final int MAX_JSON_BYTES = 64 * 1024;
    /** What a refused JSON body is read to the end of, at most, before the answer; beyond, the connection drops. */
    private static final long MAX_DRAINED_BYTES = 64L * 1024 * 1024;

    private final ModelImporter importer;
    private final FileArtifactStore artifacts;
    private final long maxBytes;

    public ModelImportController(ModelImporter importer, FileArtifactStore artifacts,
                                 @Value("${llm.gateway.max-model-bytes:2GB}") @ReadableBytes long maxBytes) {
        this.importer = importer;
        this.artifacts = artifacts;
        this.maxBytes = maxBytes;
    }

    @Schema(description = "import a directory already in the artifact store (for files too large to upload)")
    public record ImportPath(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "gpt2-small",
                                     description = "the new model's id") String modelId,
                             @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "uploads/gpt2",
                                     description = "a directory relative to the artifact store's root holding "
                                             + "config.json, model.safetensors and the tokenizer") String path) {
    }

    @Schema(description = "the files of a HuggingFace GPT-2 directory, each a part named by its file name (or "
            + "sent with that filename); the tokenizer as tokenizer.json or as vocab.json and merges.txt")
    public record ImportForm(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "gpt2-small")
                             String modelId,
                             @Schema(name = "config.json", type = "string", format = "binary",
                                     requiredMode = Schema.RequiredMode.REQUIRED) String config,
                             @Schema(name = "model.safetensors", type = "string", format = "binary",
                                     requiredMode = Schema.RequiredMode.REQUIRED) String weights,
                             @Schema(name = "tokenizer.json", type = "string", format = "binary") String tokenizer,
                             @Schema(name = "vocab.json", type = "string", format = "binary") String vocab,
                             @Schema(name = "merges.txt", type = "string", format = "binary") String merges) {
    }

    /**
     * The 201 answer: the published model, as {@code GET /v1/models/{id}} shows it, and the files the import
     * skipped (HuggingFace metadata and other frameworks' copies of the weights), which a client may want to know.
     */
    public record Imported(@JsonUnwrapped ModelsController.Model model,
                           @Schema(description = "files sent or found but not imported: HuggingFace metadata "
                                   + "(generation_config.json, tokenizer_config.json, README.md, ...) and the "
                                   + "weights in other formats (pytorch_model.bin, tf_model.h5, ...)",
                                   example = "[\"generation_config.json\", \"pytorch_model.bin\"]")
                           List<String> ignoredFiles) {
    }

    @Post(uri = "/import", consumes = {MediaType.MULTIPART_FORM_DATA, MediaType.APPLICATION_JSON})
    @Operation(summary = "Import a HuggingFace GPT-2 directory (config.json, model.safetensors F32/F16/BF16, "
            + "tokenizer.json or vocab.json + merges.txt) as a base model: every file is checked before anything "
            + "is published; then it is announced on llm.models and served like a trained model")
    @RequestBody(required = true, content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ImportPath.class)),
            @Content(mediaType = MediaType.MULTIPART_FORM_DATA, schema = @Schema(implementation = ImportForm.class))})
    @ApiResponse(responseCode = "201", description = "published; Location is its URL",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = Imported.class)))
    @ApiResponse(responseCode = "409", description = "a model with this id exists",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @ApiResponse(responseCode = "413", description = "the upload is larger than llm.gateway.max-model-bytes",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @ProblemErrors
    @Status(HttpStatus.CREATED)
    public HttpResponse<?> importModel(HttpRequest<?> request, @Body InputStream body)
            throws IOException, InterruptedException {
        try {
            MediaType type = request.getContentType().orElse(MediaType.APPLICATION_JSON_TYPE);
            Imported imported = type.getName().equals(MediaType.MULTIPART_FORM_DATA)
                    ? fromUpload(body, request.getHeaders().get(HttpHeaders.CONTENT_TYPE))
                    : fromPath(body);
            return HttpResponse.created(imported, URI.create("/v1/models/" + imported.model().id()));
        } catch (ProblemException e) {
            // As for dataset uploads: a refusal may leave part of the body unread on the connection.
            return HttpResponse.status(e.status()).header(HttpHeaders.CONNECTION, "close")
                    .contentType(Problem.MEDIA_TYPE).body(e.toProblem());
        }
    }

    private Imported fromUpload(InputStream body, String contentType) throws IOException, InterruptedException {
        String key = STAGING + Ids.random("import");
        Path staging = artifacts.path(key);
        Files.createDirectories(staging);
        try {
            MultipartUpload.Parts parts = MultipartUpload.read(body, contentType, staging, HuggingFaceFiles.NAMES,
                    HuggingFaceFiles::skipped, maxBytes);
            String modelId = modelId(parts.fields().get("modelId"));
            List<String> sent = new ArrayList<>(parts.files());
            sent.addAll(parts.skipped());
            return imported(modelId, staging, sent, parts.skipped());
        } finally {
            artifacts.deleteTree(key);
        }
    }

    /** Discards up to {@code limit} more bytes of {@code body}. */
    private static void drain(InputStream body, long limit) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = limit;
        int read;
        while (left > 0 && (read = body.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
            left -= read;
        }
    }

    private Imported fromPath(InputStream body) throws IOException, InterruptedException {
        byte[] bytes = body.readNBytes(MAX_JSON_BYTES + 1);
        if (bytes.length > MAX_JSON_BYTES) {
            // Read what the client is still sending (up to a bound) so that it gets to read the 413: an answer sent
            // while a body still streams in is lost with the connection.
            drain(body, MAX_DRAINED_BYTES);
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body", "a JSON import request names a "
                    + "directory in at most " + MAX_JSON_BYTES + " bytes; upload files as multipart/form-data");
        }
        JsonBody json = JsonBody.parse(bytes);
        String modelId = modelId(json.requiredText("modelId"));
        String path = json.requiredText("path");
        Path dir;
        try {
            dir = artifacts.path(path);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badField("path", e.getMessage());
        }
        if (!Files.isDirectory(dir)) {
            throw ProblemException.badField("path", "no directory '" + path + "' in the artifact store");
        }
        List<String> names;
        try (var files = Files.list(dir)) {
            names = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        return imported(modelId, dir, names, names.stream().filter(HuggingFaceFiles::skipped).toList());
    }

    private Imported imported(String modelId, Path dir, List<String> names, List<String> skipped)
            throws IOException, InterruptedException {
        try {
            HuggingFaceFiles.checkWeightsFormat(names);
        } catch (InvalidModelFilesException e) {
            throw ProblemException.badField(e.file(), e.getMessage());
        }
        return new Imported(ModelsController.Model.of(importer.importDirectory(modelId, dir)), skipped);
    }

    private static String modelId(String id) {
        if (id == null) {
            throw ProblemException.badField("modelId", "modelId is required: the new model's id");
        }
        try {
            return Ids.require("modelId", id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badField("modelId", e.getMessage());
        }
    }
}
