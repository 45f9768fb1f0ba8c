package dev.llmmesh.mesh;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.llmmesh.mesh.jobs.JobTypes;

/** The JSON conventions of every topic: ISO-8601 times, no nulls written. */
public final class Json {
    /**
     * For commands (jobs): an unknown field is a mistake the sender must hear about, and so is a number with a
     * fraction where a whole one is meant ({@code "maxSteps": 1.5} would silently be 1), and a value of another
     * JSON type: {@code "vocabSize": "300"}, {@code "datasetId": 0} or {@code "tokenizerId": true} are refused, not
     * converted. A whole number where a fractional one is meant stays allowed: JSON does not tell 1 from 1.0.
     */
    public static final ObjectMapper STRICT = strict();
    /** For events: newer producers may add fields that older consumers ignore. */
    public static final ObjectMapper LENIENT = base().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private Json() {
    }

    private static ObjectMapper strict() {
        JsonMapper mapper = base().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                // Strings to numbers and booleans, numbers to booleans and the like.
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        // ALLOW_COERCION_OF_SCALARS leaves strings alone: a number or a boolean is still read as its text unless
        // the textual coercions are refused one by one.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    private static JsonMapper.Builder base() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .addModule(JobTypes.jacksonModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .serializationInclusion(JsonInclude.Include.NON_NULL);
    }

    public static byte[] bytes(Object value) {
        try {
            return LENIENT.writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
