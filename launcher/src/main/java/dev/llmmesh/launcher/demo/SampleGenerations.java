package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** A few completions from the freshly trained model, asked for the way any OpenAI client would ask. */
final class SampleGenerations {
    record Sample(String prompt, double temperature, long seed) {
    }

    static final List<Sample> SAMPLES = List.of(
            new Sample("Call me Ishmael.", 0.8, 1),
            new Sample("The whale", 0.8, 1),
            new Sample("The whale", 0.0, 1));
    static final int MAX_TOKENS = 40;
    static final String CHAT_MESSAGE = "Tell me about the white whale.";

    private SampleGenerations() {
    }

    static List<String> lines(GatewayClient gateway, String modelId) {
        List<String> lines = new ArrayList<>();
        lines.add("Generations (POST " + gateway.base() + "v1/completions, " + MAX_TOKENS + " tokens each)");
        for (Sample sample : SAMPLES) {
            long start = System.nanoTime();
            JsonNode completion = gateway.complete(modelId, sample.prompt(), MAX_TOKENS, sample.temperature(),
                    sample.seed());
            double seconds = (System.nanoTime() - start) / 1e9;
            String how = sample.temperature() == 0 ? "greedy" : "temperature %.1f, seed %d".formatted(
                    sample.temperature(), sample.seed());
            lines.add("  %s (%s, %.1f s):".formatted(quote(sample.prompt()), how, seconds));
            lines.add("    " + quote(sample.prompt() + completion.path("choices").path(0).path("text").asText()));
        }
        long start = System.nanoTime();
        JsonNode chat = gateway.chat(modelId, CHAT_MESSAGE, 0.8, 1);
        JsonNode usage = chat.path("usage");
        lines.add("Chat (POST %sv1/chat/completions, no max_tokens: the answer may run to the end of the context)"
                .formatted(gateway.base()));
        lines.add("  %s (temperature 0.8, seed 1, %.1f s; %d prompt tokens with the chat template, %d in the answer, "
                .formatted(quote(CHAT_MESSAGE), (System.nanoTime() - start) / 1e9, usage.path("prompt_tokens").asInt(),
                        usage.path("completion_tokens").asInt()) + "finish_reason "
                + chat.path("choices").path(0).path("finish_reason").asText() + "):");
        lines.add("    " + quote(chat.path("choices").path(0).path("message").path("content").asText()));
        return lines;
    }

    /** One line per sample: newlines shown as the two characters \n. */
    private static String quote(String text) {
        return "\"" + text.replace("\n", "\\n") + "\"";
    }
}
