package dev.llmmesh.gateway.openai;

import dev.llmmesh.servicekit.http.Problem;
import dev.llmmesh.servicekit.http.ProblemDialect;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import jakarta.inject.Singleton;

import java.util.Locale;
import java.util.Set;

/**
 * On the OpenAI-compatible paths (and under a model's base URL, {@code /m/{model}}) every error, Micronaut's own included (415, 405, 413, an empty body), is written in
 * OpenAI's shape, which OpenAI clients turn into their exceptions; a problem body would reach them as an unknown
 * error.
 */
@Singleton
public class OpenAiProblems implements ProblemDialect {
    static final Set<String> PATHS = Set.of("/v1/completions", "/v1/chat/completions");

    @Override
    public boolean speaks(HttpRequest<?> request) {
        String path = request.getPath();
        // Under a model's own base URL (/m/{model}/...) everything is for OpenAI-style clients.
        return PATHS.contains(path.endsWith("/") ? path.substring(0, path.length() - 1) : path)
                || path.startsWith("/m/");
    }

    @Override
    public MutableHttpResponse<?> write(Problem problem, MutableHttpResponse<?> response) {
        return response.body(of(problem).body()).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    static OpenAiException of(Problem problem) {
        HttpStatus status = HttpStatus.valueOf(problem.status());
        return new OpenAiException(status, type(status), problem.field(),
                status.getReason().toLowerCase(Locale.ROOT).replace(' ', '_').replace("-", "_"), problem.detail());
    }

    private static String type(HttpStatus status) {
        return switch (status) {
            case UNAUTHORIZED -> "authentication_error";
            case FORBIDDEN -> "permission_error";
            case TOO_MANY_REQUESTS -> "rate_limit_error";
            default -> status.getCode() >= 500 ? "server_error" : "invalid_request_error";
        };
    }
}
