package dev.llmmesh.gateway.tokenizers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.gateway.jobs.JobSubmitter;
import dev.llmmesh.gateway.jobs.JobView;
import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.servicekit.http.JsonBody;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
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
import io.swagger.v3.oas.annotations.tags.Tag;

import java.net.URI;

/** Tokenizers: train one (a job), list them, and tokenize/detokenize through tokenizer-service. */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "tokenizers")
public class TokenizersController {
    private final JobSubmitter jobs;
    private final TokenizerProxy tokenizerService;

    public TokenizersController(JobSubmitter jobs, TokenizerProxy tokenizerService) {
        this.jobs = jobs;
        this.tokenizerService = tokenizerService;
    }

    @Post(value = "/tokenizers", consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Train a tokenizer on a dataset: {\"datasetId\", \"vocabSize\", \"tokenizerId\"?, "
            + "\"minFrequency\"?, \"specialTokens\"?}; 202 with the train-tokenizer job")
    public HttpResponse<JobView> train(@Body byte[] body) {
        ObjectNode job = JsonBody.parse(body).object();
        if (job.has("type")) {
            throw ProblemException.badField("type", "leave 'type' out: POST /v1/tokenizers always submits a "
                    + TokenizerJob.TRAIN_TOKENIZER + " job");
        }
        job.put("type", TokenizerJob.TRAIN_TOKENIZER);
        JobView view = jobs.submit(job);
        return HttpResponse.accepted(URI.create("/v1/jobs/" + view.id())).body(view);
    }

    @Get("/tokenizers")
    public MutableHttpResponse<byte[]> list() {
        return tokenizerService.forward(HttpRequest.GET("/v1/tokenizers"));
    }

    @Get("/tokenizers/{id}")
    public MutableHttpResponse<byte[]> get(@PathVariable String id) {
        return tokenizerService.forward(HttpRequest.GET("/v1/tokenizers/" + encode(id)));
    }

    @Post(value = "/tokenize", consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Text to token ids (proxied to tokenizer-service)")
    public MutableHttpResponse<byte[]> tokenize(@Body byte[] body) {
        return tokenizerService.forward(HttpRequest.POST("/v1/tokenize", body).contentType(MediaType.APPLICATION_JSON));
    }

    @Post(value = "/detokenize", consumes = MediaType.APPLICATION_JSON)
    @Operation(summary = "Token ids to text (proxied to tokenizer-service)")
    public MutableHttpResponse<byte[]> detokenize(@Body byte[] body) {
        return tokenizerService.forward(HttpRequest.POST("/v1/detokenize", body).contentType(MediaType.APPLICATION_JSON));
    }

    private static String encode(String segment) {
        return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
