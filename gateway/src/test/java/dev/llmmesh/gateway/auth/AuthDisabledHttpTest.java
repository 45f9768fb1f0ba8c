package dev.llmmesh.gateway.auth;

import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** LLM_AUTH_ENABLED=false (the local demo): no key needed, no limit counted, even with keys configured. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthDisabledHttpTest implements UsesMeshInfra {
    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = HttpCalls.probeServerProperties();
        props.put("llm.auth.enabled", "false");
        props.put("llm.auth.api-keys", "someone:" + ApiKeysTest.sha256Hex("their-secret") + ":read");
        props.put("llm.auth.rate-limit.requests-per-minute", "1");
        return props;
    }

    @Test
    void requestsGoThroughWithoutAKey() throws Exception {
        HttpCalls http = new HttpCalls(server.getURL());
        for (int i = 0; i < 3; i++) {
            HttpCalls.Reply write = http.call("POST", "/v1/auth-probe", null);
            assertEquals(200, write.status(), String.valueOf(write.body()));
            assertEquals("(none)", write.body().get("key").asText());
            assertNull(write.header("X-RateLimit-Limit"));
        }
        assertEquals(200, http.call("GET", "/auth-probe-admin", null).status());
    }
}
