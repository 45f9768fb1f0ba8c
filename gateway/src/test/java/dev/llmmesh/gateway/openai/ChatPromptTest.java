package dev.llmmesh.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.eval.AlpacaPrompt;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChatPromptTest {
    private static String prompt(String messages) throws Exception {
        JsonNode node = Json.STRICT.readTree(messages);
        return ChatPrompt.of(node);
    }

    @Test
    void oneUserMessageIsThePromptEvalServiceScoresAnInstructionBy() throws Exception {
        // What eval-service measures an instruction-tuned model on is what a chat client is served.
        assertEquals(AlpacaPrompt.of("Name a whale.", null), prompt("[{\"role\":\"user\",\"content\":\"Name a "
                + "whale.\"}]"));
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes "
                + "the request.\n\n### Instruction:\nName a whale.\n\n### Response:\n", prompt("[{\"role\":\"user\","
                + "\"content\":\"Name a whale.\"}]"));
        assertEquals(AlpacaPrompt.STOP, ChatPrompt.STOPS.getFirst());
    }

    @Test
    void aConversationIsItsTurnsInOrderUnderTheSystemMessage() throws Exception {
        assertEquals("Be brief.\n\n### Instruction:\nHi\n\n### Response:\nHello.\n\n### Instruction:\nA whale?\n\n"
                + "### Response:\n", prompt("[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\","
                + "\"content\":\"Hello.\"},{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"A \"},{\"type\":\"text\",\"text\":\"whale?\"}]}]"));
        assertEquals("messages[0].role", assertThrows(OpenAiException.class,
                () -> prompt("[{\"role\":\"tool\",\"content\":\"x\"}]")).param());
    }
}
