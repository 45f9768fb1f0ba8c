package dev.llmmesh.servicekit.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.Json;

/** Reads request fields one by one, so every error names the field and says what was expected. */
public final class JsonBody {
    private final JsonNode root;

    private JsonBody(JsonNode root) {
        this.root = root;
    }

    public static JsonBody parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ProblemException.badField("body", "request body is empty; send a JSON object");
        }
        JsonNode root;
        try {
            root = Json.STRICT.readTree(body);
        } catch (JacksonException e) {
            throw ProblemException.badField("body", "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw ProblemException.badField("body", "request body must be a JSON object");
        }
        return new JsonBody(root);
    }

    public String requiredText(String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw ProblemException.badField(field, "field '" + field + "' is required");
        }
        if (!node.isTextual()) {
            throw ProblemException.badField(field, "field '" + field + "' must be a string, got " + kind(node));
        }
        return node.textValue();
    }

    public int[] requiredIntArray(String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw ProblemException.badField(field, "field '" + field + "' is required");
        }
        if (!node.isArray()) {
            throw ProblemException.badField(field, "field '" + field + "' must be an array of integers, got " + kind(node));
        }
        int[] values = new int[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw ProblemException.badField(field + "[" + i + "]",
                        field + "[" + i + "] must be an integer token id, got " + v);
            }
            values[i] = v.intValue();
        }
        return values;
    }

    /** The whole object, for bodies handed on as they are (a job to its topic). */
    public ObjectNode object() {
        return (ObjectNode) root;
    }

    /** The field's node, or null when absent. */
    public JsonNode optional(String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node;
    }

    public static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case STRING -> "a string";
            default -> node.getNodeType().name().toLowerCase();
        };
    }
}
