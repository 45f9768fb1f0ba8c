package dev.llmmesh.gateway.datasets;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * An uploaded dataset, as recorded next to its text.
 *
 * @param bytes     bytes as uploaded
 * @param lines     lines as uploaded
 * @param documents JSONL records (each one document); absent for plain text
 * @param textBytes bytes of the text jobs read ({@code data.txt}): for JSONL, the documents joined by the
 *                  end-of-text token
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetInfo(String id, String object, String name, String format, long bytes, long lines,
                          Long documents, long textBytes, Instant createdAt) {
    public static final String OBJECT = "dataset";
}
