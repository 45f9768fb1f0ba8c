package dev.llmmesh.gateway.openai;

import dev.llmmesh.mesh.inference.CompletionChunk;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns the tokens of chunks into OpenAI's two logprobs formats. */
final class ChoiceLogprobs {
    private ChoiceLogprobs() {
    }

    /** @param offset where the first token's text starts in the choice's text */
    static OpenAiShapes.CompletionLogprobs completion(List<CompletionChunk.TokenInfo> tokens, int offset) {
        List<String> texts = new ArrayList<>();
        List<Float> logprobs = new ArrayList<>();
        List<Map<String, Float>> tops = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        int at = offset;
        for (CompletionChunk.TokenInfo token : tokens) {
            texts.add(token.text());
            logprobs.add(token.logprob());
            if (token.top() == null) {
                tops.add(null);
            } else {
                Map<String, Float> top = new LinkedHashMap<>();
                token.top().forEach(a -> top.putIfAbsent(a.text(), a.logprob()));
                tops.add(top);
            }
            offsets.add(at);
            at += token.text().length();
        }
        return new OpenAiShapes.CompletionLogprobs(texts, logprobs, tops, offsets);
    }

    static OpenAiShapes.ChatLogprobs chat(List<CompletionChunk.TokenInfo> tokens) {
        List<OpenAiShapes.ChatTokenLogprob> content = new ArrayList<>();
        for (CompletionChunk.TokenInfo token : tokens) {
            List<OpenAiShapes.TopLogprob> top = token.top() == null ? List.of() : token.top().stream()
                    .map(a -> new OpenAiShapes.TopLogprob(a.text(), a.logprob(), bytes(a.text()))).toList();
            content.add(new OpenAiShapes.ChatTokenLogprob(token.text(), token.logprob() == null ? 0f : token.logprob(),
                    bytes(token.text()), top));
        }
        return new OpenAiShapes.ChatLogprobs(content);
    }

    private static List<Integer> bytes(String text) {
        List<Integer> out = new ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.add(b & 0xff);
        }
        return out;
    }
}
