package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the rows of a dataset hold. Each format checks a row as uploaded ({@link #row}), keeps only its own fields
 * (others are dropped: uploads from elsewhere often carry ids or sources) and says what text a language model reads
 * from a row ({@link #text}); that text, joined, is the dataset's {@code data.txt}, which tokenize-dataset and
 * pretrain read:
 * <ul>
 *   <li>{@code text}: plain UTF-8; a row is a line. {@code data.txt} is the upload as it came.</li>
 *   <li>{@code jsonl-text} (alias {@code jsonl}): JSONL {@code {"text": string}}; text: {@code text}.</li>
 *   <li>{@code jsonl-labeled}: JSONL {@code {"text": string, "label": string | integer}}; text: {@code text}.</li>
 *   <li>{@code alpaca}: a JSON array or JSONL of {@code {"instruction": string, "input": string (optional, may be
 *       ""), "output": string}}; text: instruction, input (when not empty) and output, separated by a blank line.</li>
 *   <li>{@code multiple-choice}: JSONL {@code {"context": string, "choices": [string, ...] (2 or more),
 *       "label": integer index into choices}}; text: the context, a space, and the right choice.</li>
 * </ul>
 * In all but {@code text}, rows' texts are joined by {@link #DOCUMENT_SEPARATOR}, so no row runs into the next.
 */
public enum DatasetFormat {
    TEXT("text", "{\"text\": string} per line of plain text", "txt") {
        @Override
        ObjectNode check(JsonNode node, String where) {
            ObjectNode row = object();
            row.put("text", RowChecks.string(node, "text", where, true));
            return row;
        }
    },
    JSONL_TEXT("jsonl-text", "{\"text\": string}", "jsonl", "ndjson") {
        @Override
        ObjectNode check(JsonNode node, String where) {
            return TEXT.check(node, where);
        }
    },
    JSONL_LABELED("jsonl-labeled", "{\"text\": string, \"label\": string | integer}") {
        @Override
        ObjectNode check(JsonNode node, String where) {
            ObjectNode row = object();
            row.put("text", RowChecks.string(node, "text", where, true));
            row.set("label", RowChecks.label(node, where));
            return row;
        }
    },
    ALPACA("alpaca", "{\"instruction\": string, \"input\": string (optional), \"output\": string}") {
        @Override
        ObjectNode check(JsonNode node, String where) {
            ObjectNode row = object();
            row.put("instruction", RowChecks.string(node, "instruction", where, true));
            String input = RowChecks.string(node, "input", where, false);
            row.put("input", input == null ? "" : input);
            row.put("output", RowChecks.string(node, "output", where, true));
            return row;
        }

        @Override
        public String text(JsonNode row) {
            String input = row.get("input").textValue();
            return row.get("instruction").textValue() + "\n\n" + (input.isEmpty() ? "" : input + "\n\n")
                    + row.get("output").textValue();
        }
    },
    MULTIPLE_CHOICE("multiple-choice", "{\"context\": string, \"choices\": [string, ...] (2 or more), "
            + "\"label\": integer index into choices}") {
        @Override
        ObjectNode check(JsonNode node, String where) {
            ObjectNode row = object();
            row.put("context", RowChecks.string(node, "context", where, true));
            ArrayNode choices = RowChecks.choices(node, where);
            row.set("choices", choices);
            row.put("label", RowChecks.index(node, "label", choices.size(), where));
            return row;
        }

        @Override
        public String text(JsonNode row) {
            return row.get("context").textValue() + " " + row.get("choices").get(row.get("label").intValue()).textValue();
        }
    };

    /** Between the texts of two rows in {@code data.txt} (not for {@code text}): GPT-2's document boundary. */
    public static final String DOCUMENT_SEPARATOR = "<|endoftext|>";

    private final String apiName;
    private final String schema;
    private final List<String> aliases;

    DatasetFormat(String apiName, String schema, String... aliases) {
        this.apiName = apiName;
        this.schema = schema;
        this.aliases = List.of(aliases);
    }

    /** The name in the API ({@code ?format=}) and in {@code dataset.json}. */
    public String apiName() {
        return apiName;
    }

    /** A row as a reader of error messages and the README needs it. */
    public String schema() {
        return schema;
    }

    /**
     * The format named {@code name} (case-insensitive; {@code jsonl}, {@code ndjson} and {@code txt} too).
     *
     * @throws IllegalArgumentException listing the names when there is no such format
     */
    public static DatasetFormat named(String name) {
        String wanted = name == null ? "" : name.toLowerCase(Locale.ROOT);
        for (DatasetFormat f : values()) {
            if (f.apiName.equals(wanted) || f.aliases.contains(wanted)) {
                return f;
            }
        }
        throw new IllegalArgumentException("format must be one of " + names() + " (jsonl is jsonl-text), got '"
                + name + "'");
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(DatasetFormat::apiName).toList();
    }

    /**
     * The row as this format keeps it: its own fields, checked, in a fixed order.
     *
     * @param where the row's place in the upload, for the message: {@code line 17}, {@code element [4]}
     * @throws InvalidDatasetException naming the place and the field
     */
    public ObjectNode row(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new InvalidDatasetException(where, null, "must be a JSON object " + schema + ", got "
                    + RowChecks.describe(node));
        }
        return check(node, where);
    }

    abstract ObjectNode check(JsonNode node, String where);

    /** What a language model reads of a checked row: its {@code text}, in the formats that have one. */
    public String text(JsonNode row) {
        return row.get("text").textValue();
    }

    /** Whether rows are stored apart from the text ({@code rows.jsonl}); a text dataset's rows are its lines. */
    public boolean storesRows() {
        return this != TEXT;
    }

    private static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }
}
