package dev.llmmesh.gateway.datasets;

import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.MediaType;

import java.util.Locale;
import java.util.Set;

/** Plain text is tokenized as it is; JSONL holds one document per line in a string field {@code text}. */
public enum DatasetFormat {
    TEXT, JSONL;

    private static final Set<String> JSONL_TYPES = Set.of("application/jsonl", "application/x-ndjson",
            "application/jsonlines", "application/x-jsonlines");

    /** {@code ?format=} wins over the content type; without either, text. */
    static DatasetFormat of(String formatParam, MediaType contentType) {
        if (formatParam != null) {
            return switch (formatParam.toLowerCase(Locale.ROOT)) {
                case "text", "txt" -> TEXT;
                case "jsonl", "ndjson" -> JSONL;
                default -> throw ProblemException.badField("format", "format must be 'text' or 'jsonl', got '"
                        + formatParam + "'");
            };
        }
        if (contentType == null || contentType.getName().equals(MediaType.TEXT_PLAIN)) {
            return TEXT;
        }
        if (JSONL_TYPES.contains(contentType.getName())) {
            return JSONL;
        }
        throw new ProblemException(io.micronaut.http.HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type",
                "upload text/plain or application/jsonl (one JSON object with a string 'text' per line), got "
                        + contentType.getName());
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
