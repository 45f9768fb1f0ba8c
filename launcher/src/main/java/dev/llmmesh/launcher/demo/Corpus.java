package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.stack.StackException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Uploads a bundled text through the gateway as a dataset, or finds it there from an earlier run. */
final class Corpus {
    /** @param chars Unicode code points, the denominator people mean by "characters per token" */
    record Dataset(String id, long bytes, long chars) {
    }

    /** @param reused whether an earlier upload of the same text was found under the id */
    record Uploaded(Dataset dataset, boolean reused) {
    }

    private Corpus() {
    }

    /**
     * Uploads {@code source} as {@code id}. The id may already hold this text (an earlier demo): that one is used,
     * since tokenizers and tokens derived from it stay valid. If it holds another text, this one goes up under
     * {@code id-suffix} instead: a dataset is never overwritten.
     */
    static Uploaded upload(GatewayClient gateway, Path source, String id, String name, String suffix) throws IOException {
        if (!Files.isRegularFile(source)) {
            throw new StackException("the demo corpus " + source + " is missing; it ships "
                    + "with the repository (datasets/corpus/), so run the demo from a complete checkout");
        }
        byte[] text = Files.readAllBytes(source);
        Dataset dataset = new Dataset(id, text.length, new String(text, StandardCharsets.UTF_8).codePoints().count());
        // Asked first, so that a second run neither sends the book again nor meets a refusal.
        Optional<JsonNode> existing = gateway.dataset(id);
        if (existing.isPresent() && sameText(existing.get(), text.length)) {
            return new Uploaded(dataset, true);
        }
        // Another text under the id, or files put there without an upload (a launcher older than the gateway):
        // the id is taken either way, and a dataset is never overwritten.
        if (existing.isEmpty() && gateway.uploadText(id, name, source).status() == 201) {
            return new Uploaded(dataset, false);
        }
        String fresh = id + "-" + suffix;
        if (gateway.uploadText(fresh, name, source).status() != 201) {
            throw new StackException("datasets '" + id + "' and '" + fresh + "' both exist already; "
                    + "GET " + gateway.base() + "v1/datasets lists them");
        }
        return new Uploaded(new Dataset(fresh, dataset.bytes(), dataset.chars()), false);
    }

    /** The gateway records the size of plain text as uploaded; the same size of the same file is the same book. */
    static boolean sameText(JsonNode info, long bytes) {
        return "text".equals(info.path("format").asText()) && info.path("bytes").asLong(-1) == bytes
                && info.path("textBytes").asLong(-1) == bytes;
    }
}
