package dev.llmmesh.launcher.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Polls a health check until it passes, the process dies, or time runs out. Every way out but success is
 * a {@link StackException} naming the log to read, because "did not start" is useless without it.
 */
public final class HealthWait {
    private static final int EXCERPT_LINES = 15;

    private final Duration poll;
    private final LongSupplier nanoTime;

    public HealthWait() {
        this(Duration.ofMillis(300), System::nanoTime);
    }

    public HealthWait(Duration poll, LongSupplier nanoTime) {
        this.poll = poll;
        this.nanoTime = nanoTime;
    }

    /**
     * @param alive whether the process is still running: a crashed process fails at once instead of
     *              waiting out the timeout
     * @return how long it took
     */
    public Duration await(String name, HealthCheck check, BooleanSupplier alive, Duration timeout, Path logFile) {
        long start = nanoTime.getAsLong();
        long deadline = start + timeout.toNanos();
        while (true) {
            if (check.healthy()) {
                return Duration.ofNanos(nanoTime.getAsLong() - start);
            }
            if (!alive.getAsBoolean()) {
                throw new StackException(name + " exited before it became healthy; read " + logFile
                        + LogTail.excerpt(logFile, EXCERPT_LINES));
            }
            if (nanoTime.getAsLong() - deadline >= 0) {
                throw new StackException(timeoutMessage(name, check, timeout, logFile));
            }
            try {
                Thread.sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException("interrupted while waiting for " + name);
            }
        }
    }

    static String timeoutMessage(String name, HealthCheck check, Duration timeout, Path logFile) {
        return name + " did not become healthy within " + timeout.toSeconds() + " s (" + check.describe()
                + "); read " + logFile + LogTail.excerpt(logFile, EXCERPT_LINES);
    }
}
