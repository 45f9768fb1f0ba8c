package dev.llmmesh.launcher.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthWaitTest {
    private final HealthWait wait = new HealthWait(Duration.ofMillis(5), System::nanoTime);

    @TempDir
    Path dir;

    @Test
    void timeoutNamesTheComponentTheCheckAndTheLogToRead() throws IOException {
        Path log = dir.resolve("logs/kafka.log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "starting\nERROR Address already in use\n");
        var e = assertThrows(StackException.class,
                () -> wait.await("kafka", check(false), () -> true, Duration.ofMillis(50), log));
        assertTrue(e.getMessage().startsWith("kafka did not become healthy within 0 s"), e.getMessage());
        assertTrue(e.getMessage().contains("(probe on :1)"), e.getMessage());
        assertTrue(e.getMessage().contains("read " + log), e.getMessage());
        assertTrue(e.getMessage().contains("| ERROR Address already in use"), "shows the log's last lines: " + e.getMessage());
    }

    @Test
    void timeoutWithoutALogStillNamesWhereItWouldBe() {
        Path log = dir.resolve("missing.log");
        var e = assertThrows(StackException.class,
                () -> wait.await("tokenizer-service", check(false), () -> true, Duration.ofSeconds(2).minusSeconds(2), log));
        assertTrue(e.getMessage().contains("read " + log), e.getMessage());
    }

    @Test
    void deadProcessFailsAtOnceInsteadOfWaitingOutTheTimeout() {
        long start = System.nanoTime();
        var e = assertThrows(StackException.class,
                () -> wait.await("redis", check(false), () -> false, Duration.ofMinutes(5), dir.resolve("redis.log")));
        assertTrue(e.getMessage().startsWith("redis exited before it became healthy"), e.getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
    }

    @Test
    void returnsOnceHealthy() {
        AtomicInteger calls = new AtomicInteger();
        HealthCheck thirdTime = new HealthCheck() {
            @Override
            public boolean healthy() {
                return calls.incrementAndGet() >= 3;
            }

            @Override
            public String describe() {
                return "third time lucky";
            }
        };
        wait.await("svc", thirdTime, () -> true, Duration.ofSeconds(10), dir.resolve("svc.log"));
        assertEquals(3, calls.get());
    }

    @Test
    void theClockDecidesTheTimeout() {
        // A fake clock that jumps a minute per reading: the wait must end after a bounded number of polls.
        long[] now = {0};
        var fake = new HealthWait(Duration.ZERO, () -> now[0] += Duration.ofMinutes(1).toNanos());
        assertThrows(StackException.class,
                () -> fake.await("svc", check(false), () -> true, Duration.ofMinutes(3), dir.resolve("svc.log")));
        assertTrue(now[0] <= Duration.ofMinutes(10).toNanos());
    }

    private static HealthCheck check(boolean result) {
        return new HealthCheck() {
            @Override
            public boolean healthy() {
                return result;
            }

            @Override
            public String describe() {
                return "probe on :1";
            }
        };
    }
}
