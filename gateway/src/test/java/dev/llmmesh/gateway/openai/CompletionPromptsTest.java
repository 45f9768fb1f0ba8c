package dev.llmmesh.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletionPromptsTest {
    private static List<CompletionPrompts.Prompt> parse(String json) throws Exception {
        JsonNode node = Json.STRICT.readTree(json);
        return CompletionPrompts.parse(node);
    }

    private static OpenAiException refused(String json) {
        return assertThrows(OpenAiException.class, () -> parse(json), json);
    }

    @Test
    void everyFormOpenAiTakesIsOneOrSeveralPrompts() throws Exception {
        assertEquals(List.of(new CompletionPrompts.Prompt("Call me", null)), parse("\"Call me\""));
        assertEquals(List.of(new CompletionPrompts.Prompt("a", null), new CompletionPrompts.Prompt("b", null)),
                parse("[\"a\", \"b\"]"));
        assertEquals(List.of(new CompletionPrompts.Prompt(null, List.of(464, 2068, 0))), parse("[464, 2068, 0]"));
        assertEquals(List.of(new CompletionPrompts.Prompt(null, List.of(1, 2)),
                new CompletionPrompts.Prompt(null, List.of(3))), parse("[[1, 2], [3]]"));
    }

    @Test
    void malformedPromptsAreRefusedNamingPrompt() {
        for (String bad : List.of("[]", "{}", "3", "true", "[\"a\", [1]]", "[[1], \"a\"]", "[1, \"a\"]", "[[]]",
                "[-1]", "[1.5]", "[[1, 2], [3, 9999999999]]", "[null]")) {
            OpenAiException e = refused(bad);
            assertEquals("prompt", e.param(), bad);
            assertEquals(400, e.status().getCode(), bad);
        }
        assertTrue(refused("[\"a\", [1]]").getMessage().contains("prompt[1]"));
    }

    @Test
    void aMissingPromptIsRefused() {
        OpenAiException e = assertThrows(OpenAiException.class, () -> CompletionPrompts.parse(null));
        assertEquals("prompt", e.param());
    }
}
