package dev.llmmesh.launcher.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.demo.GatewayClient;
import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The bundled files a recipe uploads, and their upload through the gateway (or their reuse from an earlier run). */
final class RecipeDatasets {
    /** @param reused whether an earlier upload of the same bytes was found under the id */
    record Uploaded(String id, long bytes, boolean reused) {
    }

    private RecipeDatasets() {
    }

    /**
     * The pretraining corpus as JSON lines, one {@code {"text": book}} per book, Moby-Dick first and then Austen's
     * novels by file name: as {@code jsonl-text} the gateway joins the books with GPT-2's end-of-text token, so
     * none runs into the next. The same files give the same bytes, which is how a later run recognises them.
     */
    static byte[] corpus(Path datasets) throws IOException {
        List<Path> books = new ArrayList<>();
        books.add(bundled(datasets.resolve("corpus").resolve("moby-dick.txt")));
        Path austen = bundled(datasets.resolve("corpus").resolve("austen"));
        try (Stream<Path> files = Files.list(austen)) {
            books.addAll(files.filter(f -> f.getFileName().toString().endsWith(".txt")).sorted().toList());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Path book : books) {
            out.write(Json.bytes(Map.of("text", Files.readString(book, StandardCharsets.UTF_8))));
            out.write('\n');
        }
        return out.toByteArray();
    }

    static Path bundled(Path path) {
        if (!Files.exists(path)) {
            throw new StackException(path + " is missing; it ships with the repository (datasets/), so run the "
                    + "recipe from a complete checkout");
        }
        return path;
    }

    /**
     * Uploads {@code body} as {@code id} in {@code format}, or finds it there from an earlier run (same format, same
     * size as uploaded). An id that holds something else is never overwritten: the rows go up as {@code id-suffix}.
     */
    static Uploaded upload(GatewayClient gateway, String id, String name, String format, byte[] body, String suffix) {
        Optional<JsonNode> existing = gateway.dataset(id);
        if (existing.isPresent() && same(existing.get(), format, body.length)) {
            return new Uploaded(id, body.length, true);
        }
        if (existing.isEmpty() && gateway.upload(id, name, format, body).status() == 201) {
            return new Uploaded(id, body.length, false);
        }
        String fresh = id + "-" + suffix;
        if (gateway.upload(fresh, name, format, body).status() != 201) {
            throw new StackException("datasets '" + id + "' and '" + fresh + "' both exist already; GET "
                    + gateway.base() + "v1/datasets lists them");
        }
        return new Uploaded(fresh, body.length, false);
    }

    static boolean same(JsonNode info, String format, long bytes) {
        return format.equals(info.path("format").asText()) && info.path("bytes").asLong(-1) == bytes;
    }

    /** Whether the gateway counts tokens of the dataset under {@code tokenizerId}, i.e. it was tokenized with it. */
    static boolean tokenized(GatewayClient gateway, String datasetId, String tokenizerId) {
        return gateway.dataset(datasetId).map(info -> info.path("tokens").path(tokenizerId).asLong(0) > 0)
                .orElse(false);
    }
}
