package dev.llmmesh.gateway.classify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.servicekit.http.JsonBody;
import dev.llmmesh.servicekit.http.ProblemException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A {@code /v1/classify} body read field by field, so every refusal names its field: {@code model}, a string, and
 * {@code input}, one text or an array of 1 to {@link ClassifyRequest#MAX_INPUTS} texts. An empty text is refused:
 * a classifier reads the states of a text's tokens, and an empty text has none.
 */
record ClassifyInput(String model, List<String> texts) {
    private static final Set<String> KNOWN = Set.of("model", "input");

    static ClassifyInput parse(byte[] body) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : Json.STRICT.readTree(body);
        } catch (JacksonException e) {
            throw ProblemException.badField("body", "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw ProblemException.badField("body", "the request body must be a JSON object with 'model' and 'input'");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KNOWN.contains(name)) {
                throw ProblemException.badField(name, "unknown field '" + name + "'; a classify request has 'model'"
                        + " and 'input'");
            }
        }
        return new ClassifyInput(model(root.get("model")), texts(root.get("input")));
    }

    private static String model(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ProblemException.badField("model", "'model' is required: a classifier's id (GET /v1/models lists"
                    + " them, kind classifier)");
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw ProblemException.badField("model", "'model' must be a non-empty string, got " + JsonBody.kind(node)
                    + " " + node);
        }
        return node.textValue();
    }

    private static List<String> texts(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ProblemException.badField("input", "'input' is required: a text or an array of texts");
        }
        if (node.isTextual()) {
            return List.of(text(node.textValue(), "input"));
        }
        if (!node.isArray()) {
            throw ProblemException.badField("input", "'input' must be a string or an array of strings, got "
                    + JsonBody.kind(node) + " " + node);
        }
        if (node.isEmpty() || node.size() > ClassifyRequest.MAX_INPUTS) {
            throw ProblemException.badField("input", "'input' must hold 1 to " + ClassifyRequest.MAX_INPUTS
                    + " texts, got " + node.size() + (node.isEmpty() ? "" : "; send several requests"));
        }
        List<String> texts = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual()) {
                throw ProblemException.badField("input", "'input[" + i + "]' must be a string, got "
                        + JsonBody.kind(item) + " " + item);
            }
            texts.add(text(item.textValue(), "input[" + i + "]"));
        }
        return texts;
    }

    private static String text(String text, String where) {
        if (text.isEmpty()) {
            throw ProblemException.badField("input", "'" + where + "' is empty; a classifier needs at least one"
                    + " token to read");
        }
        return text;
    }
}
