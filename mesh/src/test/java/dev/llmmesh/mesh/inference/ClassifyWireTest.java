package dev.llmmesh.mesh.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifyWireTest {
    @Test
    void aClassifyRequestTravelsAsItsOwnCommandType() throws Exception {
        var request = new ClassifyRequest(InferenceCommand.SCHEMA_VERSION, "clf-1", "spam",
                List.of("win money now", "see you at lunch"), Instant.parse("2026-12-02T08:20:00Z"));

        byte[] json = Json.LENIENT.writerFor(InferenceCommand.class).writeValueAsBytes(request);
        InferenceCommand back = Json.STRICT.readValue(json, InferenceCommand.class);

        assertEquals(request, assertInstanceOf(ClassifyRequest.class, back));
        assertEquals(ClassifyRequest.TYPE, Json.STRICT.readTree(json).get("type").asText());
        assertEquals("clf-1", back.routingKey());
    }

    @Test
    void classificationsKeepTheHeadsLabelOrderAndExactFloats() throws Exception {
        // "spam" before "ham" is not alphabetical: a reader that sorted would be caught.
        Map<String, Float> probabilities = new LinkedHashMap<>();
        probabilities.put("spam", 0.98123457f);
        probabilities.put("ham", 0.018765431f);
        var chunk = new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, "clf-1", 0, 0, 0, 0,
                "r1", null, null, null, null, new CompletionChunk.Usage(12, 0), null,
                List.of(new Classification(0, "spam", probabilities, 12, true)));

        CompletionChunk back = Json.STRICT.readValue(Json.bytes(chunk), CompletionChunk.class);

        assertEquals(chunk, back);
        assertTrue(back.last());
        Classification item = back.classified().getFirst();
        assertEquals(List.of("spam", "ham"), new ArrayList<>(item.probabilities().keySet()));
        assertEquals(0.98123457f, item.probabilities().get("spam"));
        assertTrue(item.truncated());
    }

    @Test
    void aCompletionChunkSaysNothingOfClassifications() throws Exception {
        var chunk = new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, "cmpl-1", 0, 0, 0, 0,
                "r1", null, List.of(), "hi", null, null, null);

        JsonNode tree = Json.STRICT.readTree(Json.bytes(chunk));

        assertFalse(tree.has("classified"));
        assertNull(Json.STRICT.readValue(Json.bytes(chunk), CompletionChunk.class).classified());
    }
}
