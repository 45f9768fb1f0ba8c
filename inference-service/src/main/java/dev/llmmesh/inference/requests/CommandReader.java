package dev.llmmesh.inference.requests;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.inference.engine.CompletionErrors;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;

/**
 * Reads a record of {@code llm.inference.requests}. What cannot be read is dead-lettered; when it is a completion
 * whose id can still be found, its client is also told why (the field at fault, or a sender of another schema
 * version) instead of waiting for a timeout.
 */
final class CommandReader {
    sealed interface Read permits Readable, Unreadable {
    }

    record Readable(InferenceCommand command) implements Read {
    }

    /**
     * @param reason    for the dead-letter topic and the log
     * @param requestId the completion to answer with {@code error}; null when there is nobody to tell
     */
    record Unreadable(String reason, String requestId, InferenceError error) implements Read {
    }

    private CommandReader() {
    }

    static Read read(byte[] value) {
        if (value == null) {
            return new Unreadable("an empty record is not an inference command", null, null);
        }
        JsonNode tree;
        try {
            tree = Json.STRICT.readTree(value);
        } catch (Exception e) {
            return new Unreadable(reason(e), null, null);
        }
        String requestId = tree != null && tree.path("requestId").isTextual()
                && !tree.get("requestId").asText().isBlank() ? tree.get("requestId").asText() : null;
        // Only a completion or a classification has a client waiting; a cancel has nobody to tell.
        String type = tree == null ? null : tree.path("type").asText(null);
        String answerTo = CompletionRequest.TYPE.equals(type) || ClassifyRequest.TYPE.equals(type) ? requestId : null;
        int version = tree == null ? -1 : tree.path("schemaVersion").asInt(-1);
        if (version != InferenceCommand.SCHEMA_VERSION) {
            String reason = "schema version " + (version < 0 ? "(none)" : version) + "; this replica reads version "
                    + InferenceCommand.SCHEMA_VERSION;
            return new Unreadable(reason, answerTo, new InferenceError(503, "unsupported_schema_version", null,
                    "The replica cannot read this request: it was sent as schema " + reason + ". The gateway and"
                            + " inference-service run releases that do not match: run the same release of both,"
                            + " then send the request again."));
        }
        InferenceCommand command;
        try {
            command = Json.STRICT.readValue(value, InferenceCommand.class);
        } catch (Exception e) {
            return new Unreadable(reason(e), answerTo, invalid(e));
        }
        if (requestId == null) {
            return new Unreadable("requestId is required", null, null);
        }
        return new Readable(command);
    }

    /**
     * The field at fault: a value the record refused names itself first, as the API spells it ("top_p must be in
     * (0, 1], got 7", {@code SamplingParams}' messages); any other, by where the parser stood.
     */
    private static InferenceError invalid(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof IllegalArgumentException refused && refused.getMessage() != null) {
                return CompletionErrors.invalid(refused.getMessage().split(" ", 2)[0], refused.getMessage());
            }
        }
        String field = null;
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            field = mapping.getPath().getLast().getFieldName();
        }
        return CompletionErrors.invalid(field, "The replica could not read the request: " + reason(e));
    }

    private static String reason(Exception e) {
        return e instanceof JsonProcessingException json ? json.getOriginalMessage()
                : e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
