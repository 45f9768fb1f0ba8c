package dev.llmmesh.gateway.api;

import dev.llmmesh.gateway.openai.OpenAiError;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The error answers of the OpenAI-compatible operations: OpenAI's {@code {"error": {...}}} shape. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@ApiResponse(responseCode = "400", description = "a field is missing or wrong; `error.param` names it",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@ApiResponse(responseCode = "401", description = "no or an unknown API key",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@ApiResponse(responseCode = "404", description = "the model does not exist (`error.code` model_not_found)",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@ApiResponse(responseCode = "429", description = "the API key's rate limit is spent; retry after Retry-After",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@ApiResponse(responseCode = "403", description = "the API key lacks the scope this needs",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@ApiResponse(responseCode = "503", description = "a service or Kafka is unreachable; the detail says which and what to do; retry",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@ApiResponse(responseCode = "413", description = "the body is larger than the server takes",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
@ApiResponse(responseCode = "415", description = "the Content-Type is not application/json",
        content = @Content(mediaType = "application/json", schema = @Schema(implementation = OpenAiError.class)))
public @interface OpenAiErrors {
}
