package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** The field checks {@link DatasetFormat}s are made of; each failure names the row and the field. */
final class RowChecks {
    private RowChecks() {
    }

    /** A string field's value; null when an optional one is absent or null. */
    static String string(JsonNode row, String field, String where, boolean required) {
        JsonNode value = row.get(field);
        if (value == null || (value.isNull() && !required)) {
            if (required) {
                throw new InvalidDatasetException(where, field, "is missing; it must be a string");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidDatasetException(where, field, "must be a string, got " + describe(value));
        }
        return unicode(value.textValue(), field, where);
    }

    /** A class label: a non-empty string or a whole number, kept as it came. */
    static JsonNode label(JsonNode row, String where) {
        JsonNode value = row.get("label");
        if (value == null) {
            throw new InvalidDatasetException(where, "label", "is missing; it must be a string or an integer");
        }
        if (value.isTextual() && !value.textValue().isEmpty()) {
            unicode(value.textValue(), "label", where);
            return value;
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value;
        }
        throw new InvalidDatasetException(where, "label", "must be a non-empty string or an integer, got "
                + describe(value));
    }

    static ArrayNode choices(JsonNode row, String where) {
        JsonNode value = row.get("choices");
        if (value == null || !value.isArray() || value.size() < 2) {
            throw new InvalidDatasetException(where, "choices", "must be an array of 2 or more strings, got "
                    + (value != null && value.isArray() ? "an array of " + value.size() : describe(value)));
        }
        ArrayNode choices = JsonNodeFactory.instance.arrayNode(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode choice = value.get(i);
            String field = "choices[" + i + "]";
            if (!choice.isTextual()) {
                throw new InvalidDatasetException(where, field, "must be a string, got " + describe(choice));
            }
            choices.add(unicode(choice.textValue(), field, where));
        }
        return choices;
    }

    /** An index into a list of {@code size} (for the field's message: into {@code choices}). */
    static int index(JsonNode row, String field, int size, String where) {
        JsonNode value = row.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0
                || value.intValue() >= size) {
            throw new InvalidDatasetException(where, field, "must be an integer index into 'choices' (0-" + (size - 1)
                    + "), got " + (value == null ? "nothing" : describe(value)));
        }
        return value.intValue();
    }

    /**
     * JSON may escape half a surrogate pair ({@code "\ud800"}), which no UTF-8 file can hold: refused here rather
     * than silently written as '?'.
     */
    private static String unicode(String s, String field, String where) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidDatasetException(where, field, "holds half a UTF-16 surrogate pair (\\u"
                        + Integer.toHexString(c) + " at character " + i + "), which is not text; fix the escape");
            }
        }
        return s;
    }

    static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        if (value.isTextual()) {
            String s = value.textValue();
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (value.isContainerNode()) {
            return value.isArray() ? "an array" : "an object";
        }
        String s = value.toString();
        return (value.isNumber() ? "the number " : "") + (s.length() > 40 ? s.substring(0, 40) + "..." : s);
    }
}
