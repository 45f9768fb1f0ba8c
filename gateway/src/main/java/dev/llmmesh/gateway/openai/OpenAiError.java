package dev.llmmesh.gateway.openai;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}; param and code may be null, and are
 * written as null (as OpenAI does) rather than left out.
 */
public record OpenAiError(Detail error) {
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Detail(String message, String type, String param, String code) {
    }
}
