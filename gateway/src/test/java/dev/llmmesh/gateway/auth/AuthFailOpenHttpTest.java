package dev.llmmesh.gateway.auth;

import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.util.Map;

import static dev.llmmesh.gateway.auth.HttpCalls.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Redis down: keys are still checked, but requests are not counted rather than refused (fail-open). */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthFailOpenHttpTest implements UsesMeshInfra {
    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = HttpCalls.probeServerProperties();
        props.put("redis.uri", "redis://127.0.0.1:" + closedPort());
        props.put("llm.auth.enabled", "true");
        props.put("llm.auth.api-keys", "failopen:" + ApiKeysTest.sha256Hex("failopen-secret") + ":read");
        props.put("llm.auth.rate-limit.requests-per-minute", "1");
        return props;
    }

    /** A port nothing listens on: taken from the OS, then let go. */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void requestsGoThroughUncountedWhileKeysAreStillChecked() throws Exception {
        HttpCalls http = new HttpCalls(server.getURL());
        for (int i = 0; i < 3; i++) {
            HttpCalls.Reply reply = http.call("GET", "/v1/auth-probe", "failopen-secret");
            assertEquals(200, reply.status(), "request " + (i + 1) + " over a limit of 1: " + reply.body());
            assertNull(reply.header("X-RateLimit-Limit"));
        }
        assertProblem(http.call("GET", "/v1/auth-probe", null), 401, "Authorization");
        assertProblem(http.call("POST", "/v1/auth-probe", "failopen-secret"), 403, "needs scope write");
    }
}
