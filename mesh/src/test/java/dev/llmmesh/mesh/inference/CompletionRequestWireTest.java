package dev.llmmesh.mesh.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletionRequestWireTest {
    private static final Instant DEADLINE = Instant.parse("2026-12-02T08:20:00.123Z");

    private static String json(InferenceCommand command) throws Exception {
        return Json.LENIENT.writerFor(InferenceCommand.class).writeValueAsString(command);
    }

    private static InferenceCommand read(String json) throws Exception {
        return Json.STRICT.readValue(json.getBytes(StandardCharsets.UTF_8), InferenceCommand.class);
    }

    @Test
    void everySamplingFieldSurvivesJsonToRecordToJson() throws Exception {
        // No field at its default, so a field lost on the way cannot pass for one left out.
        SamplingParams sampling = SamplingParams.builder().maxTokens(7).temperature(0.7).topK(40).topP(0.9)
                .minP(0.05).repetitionPenalty(1.3).presencePenalty(0.5).frequencyPenalty(-0.25)
                .stop(List.of("\n\n", "END")).stopTokenIds(List.of(50256, 13)).seed(-42L).n(3).logprobs(5)
                .echo(true).build();
        var request = new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "cmpl-1", "conv-1", "m", "Once", null,
                sampling, false, "user-1", DEADLINE, false);

        String json = json(request);
        InferenceCommand back = read(json);

        assertEquals(request, back);
        assertEquals(json, json(back));
        JsonNode tree = Json.STRICT.readTree(json);
        assertEquals(CompletionRequest.TYPE, tree.get("type").asText());
        assertEquals(InferenceCommand.SCHEMA_VERSION, tree.get("schemaVersion").asInt());
        // The wire names the record's components and nothing derived from them (isGreedy, maxTokens()).
        assertEquals(new TreeSet<>(Set.of("maxTokens", "temperature", "topK", "topP", "minP",
                        "repetitionPenalty", "presencePenalty", "frequencyPenalty", "stop", "stopTokenIds", "seed", "n",
                        "logprobs", "echo")),
                fieldNames(tree.get("sampling")));
        assertEquals(new TreeSet<>(Set.of("type", "schemaVersion", "requestId", "conversationId", "modelId", "prompt",
                "sampling", "untilContextEnd", "user", "deadline", "stream")), fieldNames(tree));
        assertEquals("2026-12-02T08:20:00.123Z", tree.get("deadline").asText());
    }

    @Test
    void nullSeedLogprobsAndEmptyListsSurviveTheRoundTrip() throws Exception {
        SamplingParams sampling = SamplingParams.builder().maxTokens(0).echo(true).build();
        var request = new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "cmpl-2", null, "m", "", null, sampling,
                false, null, null, null);

        InferenceCommand back = read(json(request));

        assertEquals(request, back);
        SamplingParams read = ((CompletionRequest) back).sampling();
        assertNull(read.seed());
        assertNull(read.logprobs());
        assertEquals(List.of(), read.stop());
        assertEquals(List.of(), read.stopTokenIds());
        assertEquals(0, ((CompletionRequest) back).maxTokens());
    }

    @Test
    void aRequestUpToTheContextEndHasNoMaxTokensWhateverTheSamplingSays() throws Exception {
        var request = new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "cmpl-3", null, "m", "Hi", null,
                SamplingParams.builder().maxTokens(99).seed(1L).build(), true, null, DEADLINE, true);

        var back = (CompletionRequest) read(json(request));

        assertTrue(back.untilContextEnd());
        assertNull(back.maxTokens());
        assertEquals(0, back.sampling().maxTokens());
        assertEquals(request, back);
    }

    @Test
    void aBadSamplingValueFailsToParseWithTheMessageNamingTheField() throws Exception {
        String json = json(new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "cmpl-4", null, "m", "Hi", null,
                SamplingParams.builder().seed(1L).build(), false, null, null, null))
                .replace("\"topP\":1.0", "\"topP\":7");
        assertTrue(json.contains("\"topP\":7"), json);

        Exception e = assertThrows(Exception.class, () -> read(json));

        Throwable cause = e;
        while (!(cause instanceof IllegalArgumentException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().startsWith("top_p must be in (0, 1]"), cause.toString());
        assertFalse(e.getMessage().isBlank());
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
