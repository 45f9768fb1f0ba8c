package dev.llmmesh.gateway.openai;

import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sampling arguments both OpenAI endpoints share, checked by core's {@link SamplingParams} (which names the
 * argument in OpenAI's spelling) before anything is sent. Extensions beyond OpenAI: {@code top_k}, {@code min_p},
 * {@code repetition_penalty} and {@code conversation_id} (requests of one conversation go to one replica).
 */
final class SamplingFields {
    static final Set<String> COMMON = Set.of("model", "temperature", "top_p", "n", "stream", "stream_options", "stop",
            "presence_penalty", "frequency_penalty", "seed", "user", "top_k", "min_p", "repetition_penalty",
            "conversation_id");

    private SamplingFields() {
    }

    static CompletionRequest request(RequestFields fields, String modelId, String prompt, Integer maxTokens,
                                     Integer logprobs, boolean echo, List<String> extraStops, Duration deadline) {
        return request(fields, modelId, prompt, null, maxTokens, logprobs, echo, extraStops, deadline);
    }

    /**
     * @param prompt       the prompt as text; null when {@code promptTokens} is given
     * @param promptTokens the prompt as token ids; null when {@code prompt} is given
     * @param maxTokens null: up to the model's context
     * @param logprobs  null: none; else alternatives per token
     * @param deadline  how long the client is willing to wait; replicas drop the request after it
     */
    static CompletionRequest request(RequestFields fields, String modelId, String prompt, List<Integer> promptTokens,
                                     Integer maxTokens, Integer logprobs, boolean echo, List<String> extraStops,
                                     Duration deadline) {
        List<String> stops = new ArrayList<>(fields.stop());
        extraStops.stream().filter(s -> !stops.contains(s)).forEach(stops::add);
        Long seed = fields.longValue("seed");
        Integer topK = fields.integer("top_k");
        Integer n = fields.integer("n");
        if (n != null && n > CompletionRequest.MAX_N) {
            throw OpenAiException.invalid("n", "n must be at most " + CompletionRequest.MAX_N + ", got " + n);
        }
        SamplingParams params;
        try {
            params = SamplingParams.builder()
                    // No max_tokens: 0 here, and the replica, which knows the prompt's length, fills the context.
                    .maxTokens(maxTokens == null ? 0 : maxTokens)
                    .temperature(fields.number("temperature", 1.0))
                    .topK(topK == null ? 0 : topK)
                    .topP(fields.number("top_p", 1.0))
                    .minP(fields.number("min_p", 0.0))
                    .repetitionPenalty(fields.number("repetition_penalty", 1.0))
                    .presencePenalty(fields.number("presence_penalty", 0.0))
                    .frequencyPenalty(fields.number("frequency_penalty", 0.0))
                    .stop(stops)
                    // Always seeded: a replica that takes over a request must regenerate what was already relayed.
                    .seed(seed != null ? seed : ThreadLocalRandom.current().nextLong())
                    .n(n == null ? 1 : n)
                    .logprobs(logprobs)
                    .echo(echo)
                    .build();
        } catch (IllegalArgumentException e) {
            throw OpenAiException.invalid(e.getMessage().split(" ", 2)[0], e.getMessage());
        }
        String conversation = fields.string("conversation_id");
        if (conversation != null && !Ids.valid(conversation)) {
            throw OpenAiException.invalid("conversation_id", "conversation_id must be 1-128 letters, digits, '.', "
                    + "'_' or '-'");
        }
        return new CompletionRequest(InferenceCommand.SCHEMA_VERSION, Ids.random("cmpl"), conversation, modelId, prompt,
                promptTokens, params, maxTokens == null, fields.string("user"), Instant.now().plus(deadline), fields.bool("stream"));
    }

    static boolean includeUsage(RequestFields fields) {
        var options = fields.node("stream_options");
        return options != null && options.path("include_usage").asBoolean(false);
    }
}
