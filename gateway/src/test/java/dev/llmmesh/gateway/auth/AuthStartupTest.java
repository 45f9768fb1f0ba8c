package dev.llmmesh.gateway.auth;

import dev.llmmesh.testkit.MeshInfra;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A configuration that cannot protect the gateway stops it from starting, and says how to fix it. */
class AuthStartupTest {

    @Test
    void authOnWithoutKeysDoesNotStart() {
        String message = startupFailure(Map.of("llm.auth.enabled", "true", "llm.auth.api-keys", ""));
        assertTrue(message.contains("set LLM_API_KEYS"), message);
        assertTrue(message.contains("LLM_AUTH_ENABLED=false"), message);
    }

    @Test
    void aMalformedEntryDoesNotStart() {
        String message = startupFailure(Map.of("llm.auth.enabled", "true",
                "llm.auth.api-keys", "ok:" + ApiKeysTest.sha256Hex("k") + ",broken:nothex"));
        assertTrue(message.contains("LLM_API_KEYS entry 2 ('broken')"), message);
    }

    @Test
    void aNegativeLimitDoesNotStart() {
        String message = startupFailure(Map.of("llm.auth.enabled", "true",
                "llm.auth.api-keys", "ok:" + ApiKeysTest.sha256Hex("k"),
                "llm.auth.rate-limit.requests-per-minute", "-1"));
        assertTrue(message.contains("requests-per-minute is -1"), message);
    }

    /** Starts a context as the gateway would and returns the whole chain of messages it failed with. */
    private static String startupFailure(Map<String, String> auth) {
        Map<String, Object> props = new HashMap<>(MeshInfra.get().properties());
        props.putAll(auth);
        props.put("micronaut.server.port", "-1");
        Throwable failure = assertThrows(Throwable.class, () -> {
            try (ApplicationContext context = ApplicationContext.run(props, "test")) {
                context.getBean(AuthFilter.class);
            }
        });
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }
}
