package dev.llmmesh.gateway.models;

import dev.llmmesh.core.model.HuggingFaceFiles;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.servicekit.http.ProblemException;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.server.types.files.SystemFile;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A published model as a HuggingFace directory: {@code config.json}, {@code model.safetensors} and
 * {@code tokenizer.json} (written from its registered tokenizer when its directory has none), and whatever else its
 * directory holds (a classifier's head), for {@code from_pretrained} to load as they are.
 */
@Controller("/v1/models")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "models")
public class ModelFilesController {
    private final ModelRegistry registry;
    private final FileArtifactStore artifacts;
    private final TokenizerRegistry tokenizers;

    public ModelFilesController(ModelRegistry registry, FileArtifactStore artifacts, TokenizerRegistry tokenizers) {
        this.registry = registry;
        this.artifacts = artifacts;
        this.tokenizers = tokenizers;
    }

    /** @param sha256 hex digest of the file's bytes, for checking a download */
    public record ModelFile(String name, long bytes, String sha256) {
    }

    public record FileList(String object, String model, List<ModelFile> data) {
    }

    @Get("/{id}/files")
    @Operation(summary = "The files of a model's HuggingFace directory: download each at /v1/models/{id}/files/{name}")
    @ProblemErrors
    public FileList list(@PathVariable String id) throws IOException, InterruptedException {
        ModelAnnouncement model = model(id);
        List<ModelFile> files = new ArrayList<>();
        for (String name : names(model)) {
            Path file = file(model, name);
            if (file != null) {
                try (InputStream in = Files.newInputStream(file)) {
                    files.add(new ModelFile(name, Files.size(file), sha256(in)));
                }
            } else {
                byte[] bytes = generatedTokenizer(model);
                files.add(new ModelFile(name, bytes.length, sha256(new ByteArrayInputStream(bytes))));
            }
        }
        return new FileList("list", model.modelId(), files);
    }

    @Get(value = "/{id}/files/{name}", produces = {MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    @Operation(summary = "One file of a model's HuggingFace directory, as its bytes")
    @ApiResponse(responseCode = "200", description = "the file",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
                    schema = @Schema(type = "string", format = "binary")))
    @ProblemErrors
    public HttpResponse<?> download(@PathVariable String id, @PathVariable String name)
            throws IOException, InterruptedException {
        ModelAnnouncement model = model(id);
        if (!names(model).contains(name)) {
            throw new ProblemException(HttpStatus.NOT_FOUND, "name", "model '" + id + "' has no file '" + name
                    + "'; GET /v1/models/" + id + "/files lists them");
        }
        Path file = file(model, name);
        if (file == null) {
            return HttpResponse.ok(generatedTokenizer(model)).contentType(MediaType.APPLICATION_OCTET_STREAM_TYPE);
        }
        return HttpResponse.ok(new SystemFile(file.toFile(), MediaType.APPLICATION_OCTET_STREAM_TYPE).attach(name));
    }

    private ModelAnnouncement model(String id) throws InterruptedException {
        return registry.find(id, ModelRegistry.CATCH_UP).orElseThrow(() -> ModelsController.notFound(id));
    }

    /** The directory's files (not the hidden ones of a write in progress), and tokenizer.json if it can be made. */
    private List<String> names(ModelAnnouncement model) throws IOException {
        List<String> names = new ArrayList<>();
        Path dir = artifacts.path(model.artifact());
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith(".")).sorted().forEach(names::add);
            }
        }
        if (!names.contains(HuggingFaceFiles.TOKENIZER_JSON) && model.tokenizerId() != null
                && tokenizers.exists(model.tokenizerId())) {
            names.add(HuggingFaceFiles.TOKENIZER_JSON);
            names.sort(null);
        }
        return names;
    }

    /** The file behind {@code name}, or null for the tokenizer.json made from the registered tokenizer. */
    private Path file(ModelAnnouncement model, String name) {
        Path file = artifacts.path(model.artifact()).resolve(name);
        return Files.isRegularFile(file) ? file : null;
    }

    private byte[] generatedTokenizer(ModelAnnouncement model) throws IOException {
        Optional<BpeTokenizer> tokenizer = tokenizers.find(model.tokenizerId());
        if (tokenizer.isEmpty()) {
            throw new ProblemException(HttpStatus.NOT_FOUND, "name", "tokenizer '" + model.tokenizerId()
                    + "' of model '" + model.modelId() + "' is not registered");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HuggingFaceTokenizerJson.write(tokenizer.get().model(), out);
        return out.toByteArray();
    }

    private static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
                digesting.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
