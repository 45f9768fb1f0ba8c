package dev.llmmesh.gateway.openai;

/** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}; param and code may be null. */
public record OpenAiError(Detail error) {
    public record Detail(String message, String type, String param, String code) {
    }
}
