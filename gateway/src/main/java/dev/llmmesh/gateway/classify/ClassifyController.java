package dev.llmmesh.gateway.classify;

import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.gateway.openai.InferenceClient;
import dev.llmmesh.gateway.openai.OpenAiException;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.servicekit.http.Problem;
import dev.llmmesh.servicekit.http.ProblemException;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.core.value.PropertyResolver;
import io.micronaut.http.HttpHeaders;
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
import org.apache.kafka.clients.producer.ProducerConfig;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code POST /v1/classify}: a classifier model labels one text or several. The texts go to the inference replicas
 * as one {@link ClassifyRequest} over Kafka, as completions do, and are labeled there in batched forwards. Not an
 * OpenAI endpoint: errors are problem bodies naming the field.
 */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "classify")
public class ClassifyController {
    /**
     * Room left in a Kafka record for what is not the request's JSON: the key, headers (trace context) and the
     * record batch's own overhead, a few hundred bytes at most.
     */
    static final int RECORD_OVERHEAD = 8 * 1024;
    private static final int KAFKA_DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    private final InferenceClient inference;
    private final ModelRegistry models;
    private final Duration deadline;
    private final int maxRecordBytes;

    /** @param properties read for the inference producer's {@code max.request.size}, see {@link #maxRecordBytes} */
    public ClassifyController(InferenceClient inference, ModelRegistry models,
                              @Value("${llm.gateway.inference.deadline:10m}") Duration deadline,
                              Environment properties) {
        this.inference = inference;
        this.models = models;
        this.deadline = deadline;
        this.maxRecordBytes = maxRecordBytes(properties);
    }

    /**
     * The largest record the inference producer sends: its {@code max.request.size}, set for that producer
     * ({@code kafka.producers.inference-requests}) or for every producer ({@code kafka.producers.default}), else
     * Kafka's default of 1 MiB.
     */
    static int maxRecordBytes(PropertyResolver properties) {
        String key = ProducerConfig.MAX_REQUEST_SIZE_CONFIG;
        return properties.getProperty("kafka.producers.inference-requests." + key, Integer.class)
                .or(() -> properties.getProperty("kafka.producers.default." + key, Integer.class))
                .orElse(KAFKA_DEFAULT_MAX_REQUEST_SIZE);
    }

    @Post(value = "/classify", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    @Operation(summary = "Label texts with a classifier model: each text's label and every label's probability")
    @ApiResponse(responseCode = "200", description = "one item per input, in order",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ClassifyShapes.Answer.class)))
    @ProblemErrors
    public Mono<HttpResponse<?>> classify(@RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ClassifyShapes.Request.class)))
                                                @Body byte[] body) {
        ClassifyInput input = ClassifyInput.parse(body);
        ModelAnnouncement model = classifier(models, input.model());
        var request = new ClassifyRequest(InferenceCommand.SCHEMA_VERSION, Ids.random("clf"), model.modelId(),
                input.texts(), Instant.now().plus(deadline));
        checkFitsOneRecord(request, maxRecordBytes);
        return inference.classify(request)
                .<HttpResponse<?>>map(chunk -> HttpResponse.ok(answer(model.modelId(), chunk)))
                .onErrorResume(OpenAiException.class, e -> Mono.just(problem(e)));
    }

    /**
     * A replica's refusal (or silence) as a problem body with its status; a model being loaded keeps its
     * Retry-After, so the client knows when to send the texts again.
     */
    private static MutableHttpResponse<Problem> problem(OpenAiException e) {
        MutableHttpResponse<Problem> response = HttpResponse.<Problem>status(e.status()).body(new Problem(
                "about:blank", e.status().getReason(), e.status().getCode(), e.getMessage(), e.param()))
                .contentType(Problem.MEDIA_TYPE);
        if (e.retryAfterSeconds() != null) {
            response.header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds().toString());
        }
        return response;
    }

    /**
     * Refuses, with a 413 naming {@code input}, a request too large for one Kafka record: the producer would refuse
     * it, and sending it again never helps.
     */
    static void checkFitsOneRecord(ClassifyRequest request, int maxRecordBytes) {
        int bytes = Json.bytes(request).length;
        int limit = maxRecordBytes - RECORD_OVERHEAD;
        if (bytes > limit) {
            int texts = request.inputs().size();
            long fit = Math.max(1, (long) texts * limit / bytes);
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "input", "'input' holds " + texts
                    + " text(s) that make a " + bytes + "-byte inference request, over the " + limit + " bytes one"
                    + " request can carry to the replicas (Kafka's max.request.size); sending it again will not help."
                    + " Send fewer or shorter texts per request: about " + fit + " texts of this size fit in one");
        }
    }

    /** The announced classifier named {@code modelId}: 404 when none is published, 400 naming the kind it has. */
    static ModelAnnouncement classifier(ModelRegistry models, String modelId) {
        ModelAnnouncement model = models.find(modelId, ModelRegistry.CATCH_UP).orElseThrow(() ->
                new ProblemException(HttpStatus.NOT_FOUND, "model", "The model '" + modelId + "' does not exist;"
                        + " GET /v1/models lists the published ones"));
        if (model.kind() != ModelKind.CLASSIFIER) {
            throw ProblemException.badField("model", "The model '" + modelId + "' is of kind " + model.kind()
                    .wireName() + ", not " + ModelKind.CLASSIFIER.wireName() + ": it has no classification head."
                    + " Fine-tune one (job finetune-classifier) or send text to /v1/completions");
        }
        return model;
    }

    private static ClassifyShapes.Answer answer(String modelId, CompletionChunk chunk) {
        List<Classification> classified = chunk.classified() == null ? List.of() : chunk.classified();
        List<ClassifyShapes.Item> data = classified.stream().map(c -> new ClassifyShapes.Item(c.index(), c.label(),
                c.probabilities(), c.tokens(), c.truncated())).toList();
        int promptTokens = chunk.usage() == null ? 0 : chunk.usage().promptTokens();
        return new ClassifyShapes.Answer("list", modelId, data, new ClassifyShapes.Usage(promptTokens));
    }
}
