package dev.llmmesh.gateway.openai;

import dev.llmmesh.gateway.api.ApiSchemas;
import dev.llmmesh.gateway.api.OpenAiErrors;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * OpenAI's {@code POST /v1/completions}: text or token ids in (one prompt or several), text out, with
 * {@code logprobs} and {@code echo}.
 */
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
        return complete(fields, knownModel(models, fields));
    }

    /**
     * The same completion for a model fixed by the URL (a per-model base URL): {@code model} in the body may be left
     * out, and must name the same model when it is given.
     */
    public Mono<HttpResponse<?>> completeFor(String modelId, byte[] body) {
        RequestFields fields = RequestFields.parse(body, KNOWN);
        String named = fields.string("model");
        if (named != null && !named.equals(modelId)) {
            throw OpenAiException.invalid("model", "this base URL serves model '" + modelId + "', the request names '"
                    + named + "'; leave 'model' out or send it to /m/" + named + "/v1/completions");
        }
        generative(models.find(modelId, ModelRegistry.CATCH_UP).orElseThrow(() -> unknownModel(modelId)));
        return complete(fields, modelId);
    }

    /**
     * One mesh request per prompt, all in flight together; the answer's choices are prompt-major, as OpenAI orders
     * them ({@code index = prompt * n + choice}), and its usage is their sum.
     */
    private Mono<HttpResponse<?>> complete(RequestFields fields, String model) {
        List<CompletionPrompts.Prompt> prompts = CompletionPrompts.parse(fields.node("prompt"));
        Integer maxTokens = fields.integer("max_tokens");
        List<CompletionRequest> requests = new ArrayList<>(prompts.size());
        for (CompletionPrompts.Prompt prompt : prompts) {
            requests.add(SamplingFields.request(fields, model, prompt.text(), prompt.tokens(),
                    maxTokens == null ? DEFAULT_MAX_TOKENS : maxTokens, fields.integer("logprobs"),
                    fields.bool("echo"), List.of(), deadline));
        }
        long created = Instant.now().getEpochSecond();
        // The mesh request id is already OpenAI's "cmpl-..." id; several prompts answer under the first one's.
        String id = requests.getFirst().requestId();
        int n = requests.getFirst().sampling().n();
        if (fields.bool("stream")) {
            return Mono.just(stream(requests, id, created, model, SamplingFields.includeUsage(fields)));
        }
        // Subscribed inside the merge, so a request refused at once (Kafka down) cancels the ones already sent.
        return Flux.fromIterable(requests)
                .flatMapSequential(r -> Choices.collect(Flux.defer(() -> inference.complete(r)), n), requests.size())
                .collectList()
                .map(choices -> HttpResponse.ok(answer(requests, id, created, model, choices)));
    }

    /**
     * The prompts' chunks as they come, interleaved, each with its prompt-major index (as OpenAI streams several
     * prompts); with {@code include_usage}, one usage chunk, their sum, once every prompt is answered.
     */
    private MutableHttpResponse<?> stream(List<CompletionRequest> requests, String id, long created, String model,
                                          boolean includeUsage) {
        int n = requests.getFirst().sampling().n();
        List<Flux<CompletionChunk>> perPrompt = new ArrayList<>();
        for (int p = 0; p < requests.size(); p++) {
            CompletionRequest request = requests.get(p);
            int base = p * n;
            perPrompt.add(Flux.defer(() -> inference.complete(request)).map(c -> reindexed(c, base + c.index())));
        }
        List<CompletionChunk.Usage> usages = new ArrayList<>();
        return CompletionStream.relay(Flux.merge(perPrompt), chunk -> {
            CompletionRequest request = requests.get(chunk.index() / n);
            List<Object> out = new ArrayList<>();
            String text = (chunk.echo() == null ? "" : echoedText(request, chunk.echo()))
                    + (chunk.text() == null ? "" : chunk.text());
            out.add(new OpenAiShapes.TextCompletion(id, "text_completion", created, model, List.of(
                    new OpenAiShapes.TextChoice(text, chunk.index(), request.sampling().logprobs() == null ? null
                            : ChoiceLogprobs.completion(tokens(chunk), 0), chunk.finishReason())), null));
            if (chunk.usage() != null) {
                usages.add(chunk.usage());
                if (includeUsage && usages.size() == requests.size()) {
                    out.add(new OpenAiShapes.TextCompletion(id, "text_completion", created, model, List.of(),
                            OpenAiShapes.Usage.sum(usages)));
                }
            }
            return out;
        });
    }

    private static CompletionChunk reindexed(CompletionChunk c, int index) {
        return new CompletionChunk(c.type(), c.schemaVersion(), c.requestId(), index, c.seq(), c.offset(),
                c.textOffset(), c.replica(), c.echo(), c.tokens(), c.text(), c.finishReason(), c.usage(), c.error());
    }

    private static OpenAiShapes.TextCompletion answer(List<CompletionRequest> requests, String id, long created,
                                                      String model, List<Choices> answers) {
        List<OpenAiShapes.TextChoice> out = new ArrayList<>();
        List<OpenAiShapes.Usage> usages = new ArrayList<>();
        for (int p = 0; p < requests.size(); p++) {
            CompletionRequest request = requests.get(p);
            Choices choices = answers.get(p);
            int n = request.sampling().n();
            for (int i = 0; i < n; i++) {
                Choices.Choice c = choices.choice(i);
                String echoed = request.sampling().echo() ? echoedText(request, c.echo()) : "";
                List<CompletionChunk.TokenInfo> tokens = new ArrayList<>(c.echo());
                tokens.addAll(c.tokens());
                out.add(new OpenAiShapes.TextChoice(echoed + c.text(), p * n + i,
                        request.sampling().logprobs() == null ? null : ChoiceLogprobs.completion(tokens, 0),
                        c.finishReason()));
            }
            usages.add(choices.usage());
        }
        return new OpenAiShapes.TextCompletion(id, "text_completion", created, model, out,
                OpenAiShapes.Usage.combine(usages));
    }

    /**
     * The prompt as echoed: the text as sent, or for token ids the tokens' texts one after another (what
     * {@code text_offset} counts in, so offsets and text agree).
     */
    private static String echoedText(CompletionRequest request, List<CompletionChunk.TokenInfo> echo) {
        if (request.prompt() != null) {
            return request.prompt();
        }
        StringBuilder text = new StringBuilder();
        echo.forEach(t -> text.append(t.text()));
        return text.toString();
    }

    /** The published model a completion (or chat completion) names, refused when it generates no text. */
    static String knownModel(ModelRegistry models, RequestFields fields) {
        String model = fields.requiredString("model");
        generative(models.find(model, ModelRegistry.CATCH_UP).orElseThrow(() -> unknownModel(model)));
        return model;
    }

    /**
     * A classifier's head replaced the LM head: it has nothing to generate text with, so a completion for it is
     * refused here, before it reaches a replica (which refuses it too).
     */
    public static ModelAnnouncement generative(ModelAnnouncement model) {
        if (model.kind() == ModelKind.CLASSIFIER) {
            throw OpenAiException.invalid("model", "The model '" + model.modelId() + "' is a classifier (kind "
                    + ModelKind.CLASSIFIER.wireName() + ", labels " + model.labels() + "): it labels text and"
                    + " generates none. Send its texts to POST /v1/classify");
        }
        return model;
    }

    public static OpenAiException unknownModel(String model) {
        return new OpenAiException(HttpStatus.NOT_FOUND, "invalid_request_error", "model", "model_not_found",
                "The model '" + model + "' does not exist; GET /v1/models lists the published ones");
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
