package dev.llmmesh.mesh;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.jobs.JobTypes;

import java.io.IOException;

/**
 * Turns a job message into one of a service's job records (a sealed type whose subtypes Jackson tells
 * apart by {@code type}), or says precisely why it cannot.
 */
public final class JobMessages {
    private JobMessages() {
    }

    /** @param jobType a family of job records (e.g. TrainerJob) or one record */
    public static <T> T parse(byte[] message, Class<T> jobType) throws MalformedJobException {
        JsonNode tree;
        try {
            tree = message == null ? null : Json.STRICT.readTree(message);
        } catch (IOException e) {
            throw new MalformedJobException("not JSON: " + e.getMessage(), null, null);
        }
        return parse(tree, jobType);
    }

    /**
     * The same for a message already read, as the gateway has it: read as it came, not written out and read again
     * (writing turns a number too large for a double, 1e400, into the string "Infinity"). Deprecated field names
     * are renamed in {@code tree} itself.
     */
    public static <T> T parse(JsonNode tree, Class<T> jobType) throws MalformedJobException {
        if (!(tree instanceof ObjectNode message)) {
            throw new MalformedJobException("a job message must be a JSON object", null, null);
        }
        String validTypes = JobTypes.submittableNames(jobType);
        String jobId = tree.path("jobId").isTextual() && Ids.valid(tree.get("jobId").textValue())
                ? tree.get("jobId").textValue() : null;
        String type = tree.path("type").isTextual() ? tree.get("type").textValue() : null;
        try {
            JobTypes.upgrade(message);
        } catch (MalformedJobException e) {
            throw new MalformedJobException(e.getMessage(), jobId, type, e.field().orElse(null));
        }
        try {
            return Json.STRICT.treeToValue(message, jobType);
        } catch (InvalidTypeIdException e) {
            throw new MalformedJobException("unknown job type " + (type == null ? "(none given)" : "'" + type + "'")
                    + "; valid types: " + validTypes, jobId, type, "type");
        } catch (UnrecognizedPropertyException e) {
            throw new MalformedJobException("unknown field '" + e.getPropertyName() + "' in a " + type + " job; known "
                    + "fields: " + e.getKnownPropertyIds(), jobId, type, e.getPropertyName());
        } catch (ValueInstantiationException e) {
            String reason = e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage();
            // A record's own check names its field in its message; a value's (an enum's creator) is found by its path.
            String field = fieldNamedBy(reason, jobType);
            throw new MalformedJobException("invalid " + type + " job: " + reason, jobId, type,
                    field != null ? field : fieldOf(e));
        } catch (JsonMappingException e) {
            String field = fieldOf(e);
            throw new MalformedJobException("invalid " + type + " job: " + (field == null ? "" : field + ": ")
                    + reason(e, tree), jobId, type, field);
        } catch (JacksonException e) {
            throw new MalformedJobException("invalid " + type + " job: " + e.getOriginalMessage(), jobId, type);
        }
    }

    /**
     * Jackson's words for a wrong value, except where plainer ones say what to send instead: a value of the wrong
     * JSON type, or a fraction where a whole number is meant.
     *
     * @param input the JSON that was being read, where the offending value is looked up
     */
    public static String reason(JsonMappingException e, JsonNode input) {
        JsonNode got = valueAt(input, e);
        if (got != null && got.isValueNode() && e instanceof MismatchedInputException m && m.getTargetType() != null) {
            Class<?> target = m.getTargetType();
            if (got.isFloatingPointNumber() && isWhole(target)) {
                return "must be a whole number, got " + got;
            }
            String wanted = jsonType(target);
            if (wanted != null && !wanted.equals(jsonType(got))) {
                return "must be " + wanted + ", got " + (got.isTextual() ? "the string " + got : got);
            }
        }
        return e.getOriginalMessage();
    }

    private static JsonNode valueAt(JsonNode input, JsonMappingException e) {
        JsonNode node = input;
        for (var ref : e.getPath()) {
            if (node == null) {
                return null;
            }
            node = ref.getFieldName() != null ? node.get(ref.getFieldName())
                    : ref.getIndex() >= 0 ? node.get(ref.getIndex()) : null;
        }
        return node;
    }

    /**
     * The field a mapping error is about: the innermost named one, so a wrong element of a list names the list
     * ({@code specialTokens}, not nothing).
     */
    public static String fieldOf(JsonMappingException e) {
        for (int i = e.getPath().size() - 1; i >= 0; i--) {
            String name = e.getPath().get(i).getFieldName();
            if (name != null) {
                return name;
            }
        }
        return null;
    }

    private static String jsonType(JsonNode value) {
        return value.isTextual() ? "a string" : value.isBoolean() ? "true or false" : value.isNumber() ? "a number"
                : null;
    }

    /** How a JSON sender would call a value of {@code type}; null for types that are not plain JSON scalars. */
    private static String jsonType(Class<?> type) {
        if (type == String.class || type == CharSequence.class) {
            return "a string";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if ((type.isPrimitive() && type != char.class) || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        return null;
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
