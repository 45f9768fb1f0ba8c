package dev.llmmesh.gateway.openai;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.servicekit.http.JsonBody;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** An OpenAI request body read field by field; every error names the parameter as OpenAI spells it. */
final class RequestFields {
    private final JsonNode root;

    private RequestFields(JsonNode root) {
        this.root = root;
    }

    /** Like OpenAI, an argument it does not know is an error rather than silently ignored. */
    static RequestFields parse(byte[] body, Set<String> known) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : Json.STRICT.readTree(body);
        } catch (JacksonException e) {
            throw OpenAiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw OpenAiException.invalid(null, "the request body must be a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw OpenAiException.invalid(name, "Unrecognized request argument supplied: " + name);
            }
        }
        return new RequestFields(root);
    }

    JsonNode node(String name) {
        JsonNode node = root.get(name);
        return node == null || node.isNull() ? null : node;
    }

    String requiredString(String name) {
        JsonNode node = node(name);
        if (node == null) {
            throw OpenAiException.invalid(name, "you must provide '" + name + "'");
        }
        if (!node.isTextual()) {
            throw wrongType(name, "a string", node);
        }
        return node.textValue();
    }

    String string(String name) {
        JsonNode node = node(name);
        if (node != null && !node.isTextual()) {
            throw wrongType(name, "a string", node);
        }
        return node == null ? null : node.textValue();
    }

    Integer integer(String name) {
        JsonNode node = node(name);
        if (node != null && !(node.isIntegralNumber() && node.canConvertToInt())) {
            throw wrongType(name, "an integer", node);
        }
        return node == null ? null : node.intValue();
    }

    Long longValue(String name) {
        JsonNode node = node(name);
        if (node != null && !(node.isIntegralNumber() && node.canConvertToLong())) {
            throw wrongType(name, "an integer", node);
        }
        return node == null ? null : node.longValue();
    }

    double number(String name, double otherwise) {
        JsonNode node = node(name);
        if (node != null && !node.isNumber()) {
            throw wrongType(name, "a number", node);
        }
        return node == null ? otherwise : node.doubleValue();
    }

    boolean bool(String name) {
        JsonNode node = node(name);
        if (node != null && !node.isBoolean()) {
            throw wrongType(name, "a boolean", node);
        }
        return node != null && node.booleanValue();
    }

    /** OpenAI's {@code stop}: a string or up to 4 strings. */
    List<String> stop() {
        JsonNode node = node("stop");
        if (node == null) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(node.textValue());
        }
        if (!node.isArray() || node.size() > 4) {
            throw OpenAiException.invalid("stop", "'stop' must be a string or an array of at most 4 strings");
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode s : node) {
            if (!s.isTextual()) {
                throw OpenAiException.invalid("stop", "'stop' must contain only strings, got " + s);
            }
            stops.add(s.textValue());
        }
        return stops;
    }

    private static OpenAiException wrongType(String name, String expected, JsonNode node) {
        return OpenAiException.invalid(name, "'" + name + "' must be " + expected + ", got " + JsonBody.kind(node)
                + " " + node);
    }
}
