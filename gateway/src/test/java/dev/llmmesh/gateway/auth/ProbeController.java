package dev.llmmesh.gateway.auth;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;

import java.util.Map;

/**
 * Endpoints for the auth tests to hit whatever the gateway's real controllers look like: one per
 * scope rule, each answering with the key name the filter left on the request.
 */
@Controller
@Requires(property = ProbeController.ENABLED, value = "true")
class ProbeController {
    static final String ENABLED = "llm.test.auth-probe";

    @Get("/v1/auth-probe")
    Map<String, String> read(HttpRequest<?> request) {
        return answer(request);
    }

    @Post("/v1/auth-probe")
    Map<String, String> write(HttpRequest<?> request) {
        return answer(request);
    }

    @Get("/auth-probe-admin")
    Map<String, String> admin(HttpRequest<?> request) {
        return answer(request);
    }

    private static Map<String, String> answer(HttpRequest<?> request) {
        return Map.of("key", AuthAttributes.keyName(request).orElse("(none)"));
    }
}
