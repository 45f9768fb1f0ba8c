package dev.llmmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisServerTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void sharedServerStoresAndReturnsValues() throws IOException {
        URI uri = URI.create(MeshInfra.get().redisUri());
        try (RespConnection redis = RespConnection.open(uri.getHost(), uri.getPort(), WAIT)) {
            assertEquals("OK", redis.command("SET", "llm:testkit:greeting", "héllo wörld"));
            assertEquals("héllo wörld", redis.command("GET", "llm:testkit:greeting"));
            assertNull(redis.command("GET", "llm:testkit:absent"));
        }
    }

    @Test
    void closeStopsTheServer() throws IOException {
        RedisServer server = RedisServer.start();
        try (RespConnection redis = RespConnection.open("127.0.0.1", server.port(), WAIT)) {
            assertEquals("PONG", redis.command("PING"));
        }
        assertEquals("redis://127.0.0.1:" + server.port(), server.uri());

        server.close();

        assertThrows(IOException.class, () -> RespConnection.open("127.0.0.1", server.port(), WAIT).close());
    }

    @Test
    void missingBinaryOnPathGivesInstallAdvice() {
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> RedisBinary.locate(Map.of("PATH", "/nonexistent-bin")));

        assertEquals("redis-server not found on PATH: install it (Debian: apt-get install -y redis-server) "
                + "or set REDIS_SERVER to its path", error.getMessage());
    }

    @Test
    void redisServerVariablePointingNowhereIsReportedNotIgnored() {
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> RedisBinary.locate(Map.of("REDIS_SERVER", "/nonexistent/redis-server", "PATH", System.getenv("PATH"))));

        assertTrue(error.getMessage().startsWith("REDIS_SERVER=/nonexistent/redis-server is not an executable file"),
                error.getMessage());
        assertTrue(error.getMessage().contains("apt-get install -y redis-server"), error.getMessage());
    }

    @Test
    void serverThatDiesAtStartupIsReportedWithItsLogTail(@TempDir Path dir) throws IOException {
        Path fake = dir.resolve("redis-server");
        Files.writeString(fake, "#!/bin/sh\necho 'FATAL: simulated bad config'\nexit 3\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));

        IllegalStateException error = assertThrows(IllegalStateException.class, () -> RedisServer.start(fake));

        assertTrue(error.getMessage().contains("exited with status 3"), error.getMessage());
        assertTrue(error.getMessage().contains("FATAL: simulated bad config"), error.getMessage());
    }
}
