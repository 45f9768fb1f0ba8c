package dev.llmmesh.gateway.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** OpenAI's response objects, field for field; {@code null} fields are written as OpenAI writes them. */
final class OpenAiShapes {
    private OpenAiShapes() {
    }

    record Usage(@JsonProperty("prompt_tokens") int promptTokens,
                 @JsonProperty("completion_tokens") int completionTokens,
                 @JsonProperty("total_tokens") int totalTokens,
                 @JsonInclude(JsonInclude.Include.NON_NULL)
                 @JsonProperty("prompt_tokens_details") PromptTokensDetails promptTokensDetails) {
        static Usage of(dev.llmmesh.mesh.inference.CompletionChunk.Usage usage) {
            int prompt = usage.promptTokens();
            int completion = usage.completionTokens();
            return new Usage(prompt, completion, prompt + completion, usage.cachedTokens() == null ? null
                    : new PromptTokensDetails(usage.cachedTokens()));
        }

        /** The usage of several prompts' requests as one (OpenAI sums them). */
        static Usage sum(List<dev.llmmesh.mesh.inference.CompletionChunk.Usage> usages) {
            return combine(usages.stream().map(Usage::of).toList());
        }

        static Usage combine(List<Usage> usages) {
            if (usages.size() == 1) {
                return usages.getFirst();
            }
            int prompt = 0;
            int completion = 0;
            Integer cached = null;
            for (Usage u : usages) {
                prompt += u.promptTokens();
                completion += u.completionTokens();
                if (u.promptTokensDetails() != null) {
                    cached = (cached == null ? 0 : cached) + u.promptTokensDetails().cachedTokens();
                }
            }
            return new Usage(prompt, completion, prompt + completion, cached == null ? null
                    : new PromptTokensDetails(cached));
        }
    }

    /** OpenAI's name for prompt tokens served from a prefix cache. */
    record PromptTokensDetails(@JsonProperty("cached_tokens") int cachedTokens) {
    }

    /** {@code object: "text_completion"}, whole or as a stream chunk. */
    record TextCompletion(String id, String object, long created, String model, List<TextChoice> choices,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {
    }

    record TextChoice(String text, int index, CompletionLogprobs logprobs,
                      @JsonProperty("finish_reason") String finishReason) {
    }

    /** The legacy completions format: parallel lists; the first prompt token's logprob is null. */
    record CompletionLogprobs(List<String> tokens, @JsonProperty("token_logprobs") List<Float> tokenLogprobs,
                              @JsonProperty("top_logprobs") List<Map<String, Float>> topLogprobs,
                              @JsonProperty("text_offset") List<Integer> textOffset) {
    }

    record ChatCompletion(String id, String object, long created, String model, List<ChatChoice> choices,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {
    }

    record ChatChoice(int index, Message message, ChatLogprobs logprobs,
                      @JsonProperty("finish_reason") String finishReason) {
    }

    record ChatChunk(String id, String object, long created, String model, List<ChatDelta> choices,
                     @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {
    }

    record ChatDelta(int index, Message delta, ChatLogprobs logprobs,
                     @JsonProperty("finish_reason") String finishReason) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Message(String role, String content) {
    }

    record ChatLogprobs(List<ChatTokenLogprob> content) {
    }

    record ChatTokenLogprob(String token, float logprob, List<Integer> bytes,
                            @JsonProperty("top_logprobs") List<TopLogprob> topLogprobs) {
    }

    record TopLogprob(String token, float logprob, List<Integer> bytes) {
    }
}
