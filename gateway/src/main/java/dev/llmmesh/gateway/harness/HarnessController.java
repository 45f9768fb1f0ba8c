package dev.llmmesh.gateway.harness;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.gateway.api.ApiSchemas;
import dev.llmmesh.gateway.api.OpenAiErrors;
import dev.llmmesh.gateway.openai.CompletionsController;
import dev.llmmesh.gateway.openai.OpenAiException;
import dev.llmmesh.gateway.tokenizers.TokenizerProxy;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
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

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A base URL per model, {@code /m/{model}}, for clients that expect one server per model: lm-eval-harness's
 * {@code local-completions} posts to {@code {base}/v1/completions} and, with its remote tokenizer, probes
 * {@code {base}/tokenizer_info}, {@code {base}/tokenize} and {@code {base}/detokenize} with no model field (so they
 * cannot share {@code /v1/tokenize}, which names a tokenizer). The shapes are the ones it reads: tokenizer_info holds
 * {@code eos_token} (its probe requires the key), tokenize takes {@code {"prompt", "add_special_tokens"}} and answers
 * {@code {"tokens"}}, detokenize takes {@code {"tokens"}} and answers {@code {"prompt"}}. Tokenization is the
 * replica's own (special tokens in the text are read as such), so the ids a client gets here are the ids a text
 * prompt would have had.
 */
@Controller("/m/{model}")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "openai")
public class HarnessController {
    /** GPT-2's document separator: the end of a text, and (as GPT-2's own tokenizer says) the start of one. */
    static final String END_OF_TEXT = "<|endoftext|>";
    private static final Set<String> TOKENIZE_FIELDS = Set.of("prompt", "add_special_tokens");
    private static final Set<String> DETOKENIZE_FIELDS = Set.of("tokens");

    private final CompletionsController completions;
    private final ModelRegistry models;
    private final TokenizerProxy tokenizers;

    public HarnessController(CompletionsController completions, ModelRegistry models, TokenizerProxy tokenizers) {
        this.completions = completions;
        this.models = models;
        this.tokenizers = tokenizers;
    }

    /** @param modelMaxLength the model's context length in tokens */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TokenizerInfo(@JsonProperty("eos_token") String eosToken,
                                @JsonProperty("bos_token") String bosToken,
                                @JsonProperty("pad_token") String padToken,
                                @JsonProperty("model_max_length") Integer modelMaxLength,
                                @JsonProperty("tokenizer_id") String tokenizerId) {
    }

    public record Tokens(List<Integer> tokens, int count, @JsonProperty("max_model_len") Integer maxModelLen) {
    }

    public record Text(String prompt) {
    }

    /** The request bodies as the OpenAPI document shows them; the methods read theirs field by field. */
    @Schema(name = "HarnessTokenizeRequest")
    public record TokenizeBody(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Call me Ishmael.") String prompt,
            @JsonProperty("add_special_tokens") @Schema(description = "taken; the mesh's tokenizers add none")
            Boolean addSpecialTokens) {
    }

    @Schema(name = "HarnessDetokenizeRequest")
    public record DetokenizeBody(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "[14134, 502, 1148, 1326, 417, 13]")
            List<Integer> tokens) {
    }

    @Post(value = "/v1/completions", consumes = MediaType.APPLICATION_JSON,
            produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    @Operation(summary = "POST /v1/completions for this model ('model' may be left out; if given it must match)")
    @OpenAiErrors
    @ApiResponse(responseCode = "200", description = "the completion (see POST /v1/completions)", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON),
            @Content(mediaType = MediaType.TEXT_EVENT_STREAM)})
    public Mono<HttpResponse<?>> complete(@PathVariable String model,
                                          @RequestBody(required = true, content = @Content(
                                                  mediaType = MediaType.APPLICATION_JSON,
                                                  schema = @Schema(implementation = ApiSchemas.Completion.class)))
                                          @Body byte[] body) {
        return completions.completeFor(model, body);
    }

    @Get("/tokenizer_info")
    @Operation(summary = "The model's tokenizer as lm-eval-harness's remote tokenizer reads it")
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = TokenizerInfo.class)))
    @OpenAiErrors
    public TokenizerInfo tokenizerInfo(@PathVariable String model) {
        ModelAnnouncement announcement = announcement(model);
        JsonNode tokenizer = tokenizerCall(HttpRequest.GET("/v1/tokenizers/" + announcement.tokenizerId()), "model");
        String endOfText = tokenizer.path("specialTokens").has(END_OF_TEXT) ? END_OF_TEXT : null;
        return new TokenizerInfo(endOfText, endOfText, null, contextLength(announcement), announcement.tokenizerId());
    }

    /** {@code add_special_tokens} is taken and has nothing to do: the mesh's tokenizers add no tokens of their own. */
    @Post(value = "/tokenize", consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Text to the model's token ids: {\"prompt\", \"add_special_tokens\"?} -> "
            + "{\"tokens\", \"count\"}")
    @OpenAiErrors
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Tokens.class)))
    public Tokens tokenize(@PathVariable String model,
                           @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                   schema = @Schema(implementation = TokenizeBody.class))) @Body byte[] body) {
        JsonNode request = object(body, TOKENIZE_FIELDS);
        JsonNode prompt = request.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            throw OpenAiException.invalid("prompt", "'prompt' must be a string");
        }
        JsonNode special = request.get("add_special_tokens");
        if (special != null && !special.isBoolean() && !special.isNull()) {
            throw OpenAiException.invalid("add_special_tokens", "'add_special_tokens' must be a boolean");
        }
        ModelAnnouncement announcement = announcement(model);
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("tokenizerId", announcement.tokenizerId());
        call.put("text", prompt.textValue());
        call.put("allowedSpecial", "all");
        JsonNode answer = tokenizerCall(HttpRequest.POST("/v1/tokenize", Json.bytes(call))
                .contentType(MediaType.APPLICATION_JSON), "prompt");
        List<Integer> tokens = new ArrayList<>();
        answer.path("tokens").forEach(t -> tokens.add(t.intValue()));
        return new Tokens(tokens, tokens.size(), contextLength(announcement));
    }

    @Post(value = "/detokenize", consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "The model's token ids to text: {\"tokens\"} -> {\"prompt\"}")
    @OpenAiErrors
    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Text.class)))
    public Text detokenize(@PathVariable String model,
                           @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                   schema = @Schema(implementation = DetokenizeBody.class))) @Body byte[] body) {
        JsonNode tokens = object(body, DETOKENIZE_FIELDS).get("tokens");
        if (tokens == null || !tokens.isArray()) {
            throw OpenAiException.invalid("tokens", "'tokens' must be an array of token ids");
        }
        for (JsonNode t : tokens) {
            if (!t.isIntegralNumber() || !t.canConvertToInt()) {
                throw OpenAiException.invalid("tokens", "'tokens' must hold only integers, got " + t);
            }
        }
        ModelAnnouncement announcement = announcement(model);
        Map<String, Object> call = Map.of("tokenizerId", announcement.tokenizerId(), "tokens", tokens);
        JsonNode answer = tokenizerCall(HttpRequest.POST("/v1/detokenize", Json.bytes(call))
                .contentType(MediaType.APPLICATION_JSON), "tokens");
        return new Text(answer.path("text").asText());
    }

    private ModelAnnouncement announcement(String model) {
        return models.find(model, ModelRegistry.CATCH_UP).orElseThrow(() -> CompletionsController.unknownModel(model));
    }

    /**
     * The model's context as eval-service reads it ({@link EvalJob.Evaluate#contextLength}), or none: its "no
     * limit" for a config without one is no length to tell the harness, which then keeps its own default.
     */
    private static Integer contextLength(ModelAnnouncement announcement) {
        int context = EvalJob.Evaluate.contextLength(announcement);
        return context == Integer.MAX_VALUE ? null : context;
    }

    private static JsonNode object(byte[] body, Set<String> known) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : Json.STRICT.readTree(body);
        } catch (IOException e) {
            throw OpenAiException.invalid(null, "the request body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw OpenAiException.invalid(null, "the request body must be a JSON object");
        }
        root.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw OpenAiException.invalid(name, "Unrecognized request argument supplied: " + name);
            }
        });
        return root;
    }

    /**
     * tokenizer-service's answer, or its refusal in OpenAI's error shape: its problem body names its own field
     * ({@code text}, {@code tokens}), which is {@code param} here.
     */
    private JsonNode tokenizerCall(HttpRequest<?> request, String param) {
        MutableHttpResponse<byte[]> response = tokenizers.forward(request);
        byte[] body = response.getBody().orElse(new byte[0]);
        JsonNode json;
        try {
            json = body.length == 0 ? Json.LENIENT.nullNode() : Json.LENIENT.readTree(body);
        } catch (IOException e) {
            throw new OpenAiException(HttpStatus.BAD_GATEWAY, "server_error", null, "tokenizer_error",
                    "tokenizer-service answered " + response.code() + " with a body that is not JSON");
        }
        if (response.code() >= 300) {
            String detail = json.path("detail").asText("tokenizer-service answered " + response.code());
            int status = response.code() >= 500 ? response.code() : HttpStatus.BAD_REQUEST.getCode();
            throw new OpenAiException(HttpStatus.valueOf(status), status < 500 ? "invalid_request_error"
                    : "server_error", param, null, detail);
        }
        return json;
    }
}
