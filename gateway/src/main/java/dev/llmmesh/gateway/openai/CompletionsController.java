package dev.llmmesh.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.gateway.api.ApiSchemas;
import dev.llmmesh.gateway.api.OpenAiErrors;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
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
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** OpenAI's {@code POST /v1/completions}: text in, text out, with {@code logprobs} and {@code echo}. */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "openai")
public class CompletionsController {
    static final Set<String> KNOWN = union(SamplingFields.COMMON, Set.of("prompt", "max_tokens", "logprobs", "echo"));
    /** OpenAI's default for the legacy completions endpoint. */
    static final int DEFAULT_MAX_TOKENS = 16;

    private final InferenceClient inference;
    private final ModelRegistry models;
    private final Duration deadline;

    public CompletionsController(InferenceClient inference, ModelRegistry models,
                                 @Value("${llm.gateway.inference.deadline:10m}") Duration deadline) {
        this.inference = inference;
        this.models = models;
        this.deadline = deadline;
    }

    @Post(value = "/completions", consumes = MediaType.APPLICATION_JSON,
            produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    @Operation(summary = "OpenAI-compatible text completion; stream=true answers server-sent events")
    @ApiResponse(responseCode = "200", description = "the completion; with stream=true, server-sent events of "
            + "text_completion chunks ending with data: [DONE]", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = OpenAiShapes.TextCompletion.class)),
            @Content(mediaType = MediaType.TEXT_EVENT_STREAM, schema = @Schema(implementation = OpenAiShapes.TextCompletion.class))})
    @OpenAiErrors
    public Mono<HttpResponse<?>> complete(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.Completion.class))) @Body byte[] body) {
        RequestFields fields = RequestFields.parse(body, KNOWN);
        String model = knownModel(models, fields);
        Integer maxTokens = fields.integer("max_tokens");
        CompletionRequest request = SamplingFields.request(fields, model, prompt(fields),
                maxTokens == null ? DEFAULT_MAX_TOKENS : maxTokens, fields.integer("logprobs"), fields.bool("echo"),
                List.of(), deadline);
        long created = Instant.now().getEpochSecond();
        // The mesh request id is already OpenAI's "cmpl-..." id.
        String id = request.requestId();
        if (fields.bool("stream")) {
            boolean usage = SamplingFields.includeUsage(fields);
            return Mono.just(CompletionStream.relay(inference.complete(request), chunk -> {
                List<Object> out = new ArrayList<>();
                String text = (chunk.echo() == null ? "" : request.prompt()) + (chunk.text() == null ? "" : chunk.text());
                List<CompletionChunk.TokenInfo> tokens = tokens(chunk);
                out.add(new OpenAiShapes.TextCompletion(id, "text_completion", created, model, List.of(
                        new OpenAiShapes.TextChoice(text, chunk.index(), request.sampling().logprobs() == null ? null
                                : ChoiceLogprobs.completion(tokens, 0), chunk.finishReason())), null));
                if (usage && chunk.usage() != null) {
                    out.add(new OpenAiShapes.TextCompletion(id, "text_completion", created, model, List.of(),
                            OpenAiShapes.Usage.of(chunk.usage())));
                }
                return out;
            }));
        }
        return Choices.collect(inference.complete(request), request.sampling().n())
                .map(choices -> HttpResponse.ok(answer(request, id, created, model, choices)));
    }

    private static OpenAiShapes.TextCompletion answer(CompletionRequest request, String id, long created,
                                                      String model, Choices choices) {
        List<OpenAiShapes.TextChoice> out = new ArrayList<>();
        for (int i = 0; i < request.sampling().n(); i++) {
            Choices.Choice c = choices.choice(i);
            String echoed = request.sampling().echo() ? request.prompt() : "";
            List<CompletionChunk.TokenInfo> tokens = new ArrayList<>(c.echo());
            tokens.addAll(c.tokens());
            out.add(new OpenAiShapes.TextChoice(echoed + c.text(), i, request.sampling().logprobs() == null ? null
                    : ChoiceLogprobs.completion(tokens, 0), c.finishReason()));
        }
        return new OpenAiShapes.TextCompletion(id, "text_completion", created, model, out, choices.usage());
    }

    static String knownModel(ModelRegistry models, RequestFields fields) {
        String model = fields.requiredString("model");
        if (models.find(model, ModelRegistry.CATCH_UP).isEmpty()) {
            throw new OpenAiException(HttpStatus.NOT_FOUND, "invalid_request_error", "model", "model_not_found",
                    "The model '" + model + "' does not exist; GET /v1/models lists the published ones");
        }
        return model;
    }

    /** A string, or an array holding one string (what many clients send); token-id prompts are not taken. */
    private static String prompt(RequestFields fields) {
        JsonNode prompt = fields.node("prompt");
        if (prompt == null) {
            throw OpenAiException.invalid("prompt", "you must provide 'prompt'");
        }
        if (prompt.isTextual()) {
            return prompt.textValue();
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return prompt.get(0).textValue();
        }
        throw OpenAiException.invalid("prompt", "'prompt' must be a string (or an array of one string); batches of "
                + "prompts and token-id prompts are not supported: send one request per prompt");
    }

    private static List<CompletionChunk.TokenInfo> tokens(CompletionChunk chunk) {
        List<CompletionChunk.TokenInfo> tokens = new ArrayList<>();
        if (chunk.echo() != null) {
            tokens.addAll(chunk.echo());
        }
        if (chunk.tokens() != null) {
            tokens.addAll(chunk.tokens());
        }
        return tokens;
    }

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
