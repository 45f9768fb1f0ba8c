package dev.llmmesh.gateway.tokenizers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.gateway.api.ApiSchemas;
import dev.llmmesh.gateway.api.BodyErrors;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.gateway.jobs.JobView;
import dev.llmmesh.gateway.jobs.JobsController;
import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.servicekit.http.JsonBody;
import dev.llmmesh.servicekit.http.ProblemException;
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
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;


/** Tokenizers: train one (a job), list them, and tokenize/detokenize through tokenizer-service. */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "tokenizers")
public class TokenizersController {
    private final JobsController jobs;
    private final TokenizerProxy tokenizerService;

    public TokenizersController(JobsController jobs, TokenizerProxy tokenizerService) {
        this.jobs = jobs;
        this.tokenizerService = tokenizerService;
    }

    @Post(value = "/tokenizers", consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Train a tokenizer on a dataset: {\"datasetId\", \"vocabSize\", \"tokenizerId\"?, "
            + "\"minFrequency\"?, \"specialTokens\"?}; 202 with the train-tokenizer job")
    @ApiResponse(responseCode = "202", description = "Kafka holds the train-tokenizer job; Location is its URL",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @ProblemErrors
    @BodyErrors
    @Status(HttpStatus.ACCEPTED)
    public HttpResponse<JobView> train(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.TrainTokenizer.class))) @Body byte[] body) {
        ObjectNode job = JsonBody.parse(body).object();
        if (job.has("type")) {
            throw ProblemException.badField("type", "leave 'type' out: POST /v1/tokenizers always submits a "
                    + TokenizerJob.TrainTokenizer.TYPE.name() + " job");
        }
        job.put("type", TokenizerJob.TrainTokenizer.TYPE.name());
        return jobs.submitted(job);
    }

    @Get("/tokenizers")
    @Operation(summary = "The tokenizers tokenizer-service knows (proxied)")
    @ApiResponse(responseCode = "200", description = "the list",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.TokenizerList.class)))
    @ProblemErrors
    public MutableHttpResponse<byte[]> list() {
        return tokenizerService.forward(HttpRequest.GET("/v1/tokenizers"));
    }

    @Get("/tokenizers/{id}")
    @ApiResponse(responseCode = "200", description = "the tokenizer",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.Tokenizer.class)))
    @ProblemErrors
    public MutableHttpResponse<byte[]> get(@PathVariable String id) {
        return tokenizerService.forward(HttpRequest.GET("/v1/tokenizers/" + encode(id)));
    }

    @Post(value = "/tokenize", consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Text to token ids (proxied to tokenizer-service)")
    @ApiResponse(responseCode = "200", description = "the token ids",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.TokenizeResult.class)))
    @ProblemErrors
    @BodyErrors
    public MutableHttpResponse<byte[]> tokenize(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.Tokenize.class))) @Body byte[] body) {
        return tokenizerService.forward(HttpRequest.POST("/v1/tokenize", body).contentType(MediaType.APPLICATION_JSON));
    }

    @Post(value = "/detokenize", consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Token ids to text (proxied to tokenizer-service)")
    @ApiResponse(responseCode = "200", description = "the text",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.DetokenizeResult.class)))
    @ProblemErrors
    @BodyErrors
    public MutableHttpResponse<byte[]> detokenize(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiSchemas.Detokenize.class))) @Body byte[] body) {
        return tokenizerService.forward(HttpRequest.POST("/v1/detokenize", body).contentType(MediaType.APPLICATION_JSON));
    }

    private static String encode(String segment) {
        return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
