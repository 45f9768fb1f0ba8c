package dev.llmmesh.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.Json;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The gateway's served OpenAPI document, read as a client generator would read it: operations, their request
 * schemas (references resolved) and requests built from the schemas' examples alone.
 */
final class ApiSpec {
    record Operation(String method, String path, JsonNode node) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private final JsonNode root;

    private ApiSpec(JsonNode root) {
        this.root = root;
    }

    static ApiSpec fetch(HttpClient http, String baseUrl) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/openapi.yml")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /openapi.yml answered " + response.statusCode());
        }
        Map<String, Object> yaml = new Yaml().load(response.body());
        return new ApiSpec(Json.LENIENT.valueToTree(yaml));
    }

    List<Operation> operations() {
        List<Operation> all = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = root.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                all.add(new Operation(op.getKey().toUpperCase(), path.getKey(), op.getValue()));
            }
        }
        return all;
    }

    Operation operation(String method, String path) {
        return operations().stream().filter(o -> o.method().equals(method) && o.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("openapi.yml has no " + method + " " + path));
    }

    /** The resolved schema of the operation's application/json request body, or null when it takes none. */
    JsonNode jsonRequestSchema(Operation op) {
        JsonNode schema = op.node().path("requestBody").path("content").path("application/json").path("schema");
        return schema.isMissingNode() ? null : resolve(schema);
    }

    JsonNode resolve(JsonNode schema) {
        JsonNode ref = schema.get("$ref");
        if (ref == null) {
            return schema;
        }
        String prefix = "#/components/schemas/";
        return resolve(root.path("components").path("schemas").path(ref.textValue().substring(prefix.length())));
    }

    /** The alternatives of a {@code oneOf} schema (resolved), or the schema itself. */
    List<JsonNode> alternatives(JsonNode schema) {
        JsonNode s = resolve(schema);
        List<JsonNode> out = new ArrayList<>();
        if (s.has("oneOf")) {
            s.get("oneOf").forEach(alt -> out.add(resolve(alt)));
        } else {
            out.add(s);
        }
        return out;
    }

    /**
     * A value for the schema built from the document alone: required properties filled from their examples (or
     * their one allowed value); of a {@code oneOf}, the first alternative.
     */
    JsonNode example(JsonNode schema) {
        JsonNode s = alternatives(schema).getFirst();
        JsonNode example = s.get("example");
        if (example != null) {
            // Array examples are written as JSON text in the annotations.
            return "array".equals(s.path("type").asText()) && example.isTextual() ? parse(example.textValue()) : example;
        }
        if (s.has("enum")) {
            return s.path("enum").get(0);
        }
        return switch (s.path("type").asText("object")) {
            case "object" -> {
                ObjectNode out = JsonNodeFactory.instance.objectNode();
                for (JsonNode name : s.path("required")) {
                    out.set(name.textValue(), example(s.path("properties").path(name.textValue())));
                }
                yield out;
            }
            case "array" -> {
                ArrayNode out = JsonNodeFactory.instance.arrayNode();
                out.add(example(s.path("items")));
                yield out;
            }
            case "integer", "number" -> JsonNodeFactory.instance.numberNode(1);
            case "boolean" -> JsonNodeFactory.instance.booleanNode(false);
            default -> JsonNodeFactory.instance.textNode("x");
        };
    }

    /** The success status the operation documents (its one 2xx response). */
    int documentedSuccess(Operation op) {
        List<Integer> codes = documentedCodes(op).stream().filter(c -> c >= 200 && c < 300).toList();
        if (codes.size() != 1) {
            throw new AssertionError(op + " documents " + codes.size() + " success codes: " + codes);
        }
        return codes.getFirst();
    }

    List<Integer> documentedCodes(Operation op) {
        List<Integer> codes = new ArrayList<>();
        op.node().path("responses").fieldNames().forEachRemaining(code -> codes.add(Integer.parseInt(code)));
        return codes;
    }

    JsonNode responseSchema(Operation op, int status, String mediaType) {
        JsonNode schema = op.node().path("responses").path(Integer.toString(status)).path("content").path(mediaType)
                .path("schema");
        return schema.isMissingNode() ? null : resolve(schema);
    }

    private static JsonNode parse(String text) {
        try {
            return Json.LENIENT.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("example is not JSON: " + text, e);
        }
    }
}
