package dev.llmmesh.gateway.openai;

import dev.llmmesh.gateway.api.ApiSchemas;
import dev.llmmesh.gateway.api.OpenAiErrors;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** OpenAI's {@code POST /v1/chat/completions}: messages become one prompt (see {@link ChatPrompt}). */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "openai")
public class ChatCompletionsController {
    static final Set<String> KNOWN = CompletionsController.union(SamplingFields.COMMON,
            Set.of("messages", "max_tokens", "max_completion_tokens", "logprobs", "top_logprobs"));

    private final InferenceClient inference;
    private final ModelRegistry models;
    private final Duration deadline;

    public ChatCompletionsController(InferenceClient inference, ModelRegistry models,
                                     @Value("${llm.gateway.inference.deadline:10m}") Duration deadline) {
        this.inference = inference;
        this.models = models;
        this.deadline = deadline;
    }

    @Post(value = "/chat/completions", consumes = MediaType.APPLICATION_JSON,
            produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    @Operation(summary = "OpenAI-compatible chat completion; stream=true answers server-sent events")
    @ApiResponse(responseCode = "200", description = "the chat completion; with stream=true, server-sent events of "
            + "chat.completion.chunk objects ending with data: [DONE]", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = OpenAiShapes.ChatCompletion.class)),
            @Content(mediaType = MediaType.TEXT_EVENT_STREAM, schema = @Schema(implementation = OpenAiShapes.ChatChunk.class))})
    @OpenAiErrors
    public Mono<HttpResponse<?>> chat(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.ChatCompletion.class))) @Body byte[] body) {
        RequestFields fields = RequestFields.parse(body, KNOWN);
        String model = CompletionsController.knownModel(models, fields);
        String prompt = ChatPrompt.of(fields.node("messages"));
        Integer maxTokens = fields.integer("max_completion_tokens") != null ? fields.integer("max_completion_tokens")
                : fields.integer("max_tokens");
        Integer topLogprobs = fields.integer("top_logprobs");
        if (topLogprobs != null && !fields.bool("logprobs")) {
            throw OpenAiException.invalid("top_logprobs", "top_logprobs needs logprobs: true");
        }
        Integer logprobs = fields.bool("logprobs") ? (topLogprobs == null ? 0 : topLogprobs) : null;
        CompletionRequest request = SamplingFields.request(fields, model, prompt, maxTokens, logprobs, false,
                ChatPrompt.STOPS, deadline);
        long created = Instant.now().getEpochSecond();
        // "chat" + the mesh request id "cmpl-...": OpenAI's "chatcmpl-..." with one prefix, the request id still in it.
        String id = "chat" + request.requestId();
        Flux<CompletionChunk> chunks = inference.complete(request).onErrorMap(OpenAiException.class, ChatPrompt::explain);
        if (fields.bool("stream")) {
            boolean usage = SamplingFields.includeUsage(fields);
            return Mono.just(CompletionStream.relay(chunks, chunk -> {
                List<Object> out = new ArrayList<>();
                OpenAiShapes.Message delta = new OpenAiShapes.Message(chunk.seq() == 0 ? "assistant" : null,
                        chunk.text() == null ? "" : chunk.text());
                out.add(new OpenAiShapes.ChatChunk(id, "chat.completion.chunk", created, model, List.of(
                        new OpenAiShapes.ChatDelta(chunk.index(), delta, logprobs == null || chunk.tokens() == null
                                ? null : ChoiceLogprobs.chat(chunk.tokens()), chunk.finishReason())), null));
                if (usage && chunk.usage() != null) {
                    out.add(new OpenAiShapes.ChatChunk(id, "chat.completion.chunk", created, model, List.of(),
                            OpenAiShapes.Usage.of(chunk.usage())));
                }
                return out;
            }));
        }
        return Choices.collect(chunks, request.sampling().n())
                .map(choices -> HttpResponse.ok(answer(request, id, created, model, logprobs, choices)));
    }

    private static OpenAiShapes.ChatCompletion answer(CompletionRequest request, String id, long created,
                                                      String model, Integer logprobs, Choices choices) {
        List<OpenAiShapes.ChatChoice> out = new ArrayList<>();
        for (int i = 0; i < request.sampling().n(); i++) {
            Choices.Choice c = choices.choice(i);
            out.add(new OpenAiShapes.ChatChoice(i, new OpenAiShapes.Message("assistant", c.text()),
                    logprobs == null ? null : ChoiceLogprobs.chat(c.tokens()), c.finishReason()));
        }
        return new OpenAiShapes.ChatCompletion(id, "chat.completion", created, model, out, choices.usage());
    }
}
