package dev.llmmesh.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.eval.AlpacaPrompt;
import dev.llmmesh.mesh.inference.CompletionChunk;

import java.util.ArrayList;
import java.util.List;

/**
 * Chat messages as one prompt in the {@link AlpacaPrompt} format, which the instruction-tuned models of llm-mesh are
 * trained on (a base model simply continues it): a user message is an instruction, an assistant message a response,
 * and a system message replaces the preamble. The prompt ends where the assistant's answer begins, and the next
 * {@code ### } header ends the answer.
 */
final class ChatPrompt {
    /** Where the model would start a new turn by itself: the answer is over. */
    static final List<String> STOPS = List.of(AlpacaPrompt.STOP);

    private ChatPrompt() {
    }

    /**
     * A prompt too long for the model is, in a chat, the messages inside the template: the client never wrote a
     * prompt, so the error names {@code messages} and says what the template adds and how to make room.
     */
    static OpenAiException explain(OpenAiException e) {
        if (!CompletionChunk.InferenceError.CONTEXT_LENGTH_EXCEEDED.equals(e.code()) || !"prompt".equals(e.param())) {
            return e;
        }
        return new OpenAiException(e.status(), "invalid_request_error", "messages", e.code(), "The messages do not "
                + "fit this model once in the chat template (the Alpaca format: a preamble of about 25 tokens, which a"
                + " system message replaces, and a ### header around each message). " + e.getMessage().replace(
                "The prompt is", "The whole prompt is") + " With a short context, send fewer or shorter messages and a"
                + " short system message in place of the preamble.");
    }

    static String of(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw OpenAiException.invalid("messages", "'messages' must be a non-empty array of {role, content}");
        }
        String preamble = AlpacaPrompt.PREAMBLE;
        List<AlpacaPrompt.Section> turns = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText("");
            String content = content(message.get("content"), i);
            switch (role) {
                case "system", "developer" -> preamble = content;
                case "user" -> turns.add(AlpacaPrompt.Section.instruction(content));
                case "assistant" -> turns.add(AlpacaPrompt.Section.response(content));
                default -> throw OpenAiException.invalid("messages[" + i + "].role", "messages[" + i + "].role must be "
                        + "system, developer, user or assistant, got '" + role + "'");
            }
        }
        return AlpacaPrompt.sections(preamble, turns);
    }

    /** A string, or OpenAI's array of content parts of which only text parts are understood here. */
    private static String content(JsonNode content, int i) {
        if (content != null && content.isTextual()) {
            return content.textValue();
        }
        if (content != null && content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw OpenAiException.invalid("messages[" + i + "].content", "only text content parts are "
                            + "supported, got " + part);
                }
                text.append(part.get("text").textValue());
            }
            return text.toString();
        }
        throw OpenAiException.invalid("messages[" + i + "].content", "messages[" + i + "].content must be a string");
    }
}
