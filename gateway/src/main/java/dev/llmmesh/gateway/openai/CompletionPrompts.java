package dev.llmmesh.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.servicekit.http.JsonBody;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's {@code prompt} in each of the forms its API takes: a string, an array of strings, an array of token ids
 * (one prompt), or an array of arrays of token ids (several). Scoring clients such as lm-eval-harness send several
 * prompts per request, as token ids so a window is scored exactly as cut. Token ids are checked against the model's
 * vocabulary by the replica, which knows it.
 */
final class CompletionPrompts {
    /** OpenAI's own limit on the prompts of one request. */
    static final int MAX_PROMPTS = 2048;

    /** One prompt: its text, or its token ids (exactly one of them). */
    record Prompt(String text, List<Integer> tokens) {
    }

    private CompletionPrompts() {
    }

    static List<Prompt> parse(JsonNode prompt) {
        if (prompt == null) {
            throw OpenAiException.invalid("prompt", "you must provide 'prompt'");
        }
        if (prompt.isTextual()) {
            return List.of(new Prompt(prompt.textValue(), null));
        }
        if (!prompt.isArray()) {
            throw invalid("got " + JsonBody.kind(prompt));
        }
        if (prompt.isEmpty()) {
            throw invalid("got an empty array");
        }
        if (prompt.size() > MAX_PROMPTS) {
            throw OpenAiException.invalid("prompt", "at most " + MAX_PROMPTS + " prompts per request, got "
                    + prompt.size());
        }
        JsonNode first = prompt.get(0);
        List<Prompt> prompts = new ArrayList<>(prompt.size());
        if (first.isIntegralNumber()) {
            prompts.add(new Prompt(null, tokenIds(prompt, "prompt")));
            return prompts;
        }
        for (int i = 0; i < prompt.size(); i++) {
            JsonNode one = prompt.get(i);
            if (first.isTextual() && one.isTextual()) {
                prompts.add(new Prompt(one.textValue(), null));
            } else if (first.isArray() && one.isArray()) {
                prompts.add(new Prompt(null, tokenIds(one, "prompt[" + i + "]")));
            } else {
                throw invalid("prompt[" + i + "] is " + JsonBody.kind(one) + " where prompt[0] is "
                        + JsonBody.kind(first) + "; the prompts of one request must all have the same form");
            }
        }
        return prompts;
    }

    private static List<Integer> tokenIds(JsonNode array, String where) {
        if (array.isEmpty()) {
            throw OpenAiException.invalid("prompt", where + " is an empty list of token ids");
        }
        List<Integer> ids = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw OpenAiException.invalid("prompt", where + "[" + i + "] must be a token id (an integer >= 0), "
                        + "got " + id);
            }
            ids.add(id.intValue());
        }
        return ids;
    }

    private static OpenAiException invalid(String detail) {
        return OpenAiException.invalid("prompt", "'prompt' must be a string, an array of strings, an array of "
                + "token ids or an array of arrays of token ids; " + detail);
    }
}
