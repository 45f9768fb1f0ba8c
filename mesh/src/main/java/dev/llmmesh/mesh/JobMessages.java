package dev.llmmesh.mesh;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

import java.io.IOException;

/**
 * Turns a job message into one of a service's job records (a sealed type whose subtypes Jackson tells
 * apart by {@code type}), or says precisely why it cannot.
 */
public final class JobMessages {
    private JobMessages() {
    }

    /** @param validTypes the job types clients may send, listed in the error for an unknown one */
    public static <T> T parse(byte[] message, Class<T> jobType, String validTypes) throws MalformedJobException {
        JsonNode tree;
        try {
            tree = message == null ? null : Json.STRICT.readTree(message);
        } catch (IOException e) {
            throw new MalformedJobException("not JSON: " + e.getMessage(), null, null);
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedJobException("a job message must be a JSON object", null, null);
        }
        String jobId = tree.path("jobId").isTextual() && Ids.valid(tree.get("jobId").textValue())
                ? tree.get("jobId").textValue() : null;
        String type = tree.path("type").isTextual() ? tree.get("type").textValue() : null;
        try {
            return Json.STRICT.treeToValue(tree, jobType);
        } catch (InvalidTypeIdException e) {
            throw new MalformedJobException("unknown job type " + (type == null ? "(none given)" : "'" + type + "'")
                    + "; valid types: " + validTypes, jobId, type, "type");
        } catch (UnrecognizedPropertyException e) {
            throw new MalformedJobException("unknown field '" + e.getPropertyName() + "' in a " + type + " job; known "
                    + "fields: " + e.getKnownPropertyIds(), jobId, type, e.getPropertyName());
        } catch (ValueInstantiationException e) {
            String reason = e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage();
            throw new MalformedJobException("invalid " + type + " job: " + reason, jobId, type,
                    fieldNamedBy(reason, jobType));
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().getLast().getFieldName();
            throw new MalformedJobException("invalid " + type + " job: " + (field == null ? "" : field + ": ")
                    + reason(e), jobId, type, field);
        } catch (JacksonException e) {
            throw new MalformedJobException("invalid " + type + " job: " + e.getOriginalMessage(), jobId, type);
        }
    }

    /** Jackson's words for a wrong value, except where plainer ones say what to send instead. */
    public static String reason(JsonMappingException e) {
        if (e instanceof InvalidFormatException f && f.getValue() instanceof Number n && isWhole(f.getTargetType())) {
            return "must be a whole number, got " + n;
        }
        return e.getOriginalMessage();
    }

    private static boolean isWhole(Class<?> type) {
        return type == int.class || type == Integer.class || type == long.class || type == Long.class
                || type == short.class || type == Short.class;
    }

    /**
     * Job records validate in their constructors with messages that start with the field's name
     * ("vocabSize is required ..."), so the first word names the field when it is one of theirs.
     */
    private static String fieldNamedBy(String reason, Class<?> jobType) {
        if (reason == null) {
            return null;
        }
        String first = reason.split("[^A-Za-z0-9_]", 2)[0];
        Class<?>[] subtypes = jobType.isSealed() ? jobType.getPermittedSubclasses() : new Class<?>[]{jobType};
        for (Class<?> subtype : subtypes) {
            if (subtype.isRecord()) {
                for (var component : subtype.getRecordComponents()) {
                    if (component.getName().equals(first)) {
                        return first;
                    }
                }
            }
        }
        return null;
    }
}
