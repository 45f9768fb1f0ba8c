package dev.llmmesh.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} child process on a free loopback port, with nothing persisted.
 *
 * <p>A real server rather than an embedded imitation because the services depend on actual Redis
 * semantics (expiry, binary values, eviction), and Debian's redis-server starts in about 50 ms.
 */
public final class RedisServer implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
    /** A free port can be taken by someone else before redis binds it; a few retries make that harmless. */
    private static final int BIND_ATTEMPTS = 3;
    private static final int LOG_TAIL_LINES = 30;

    private final Path binary;
    private final int port;
    private final Path workDir;
    private Process process;

    private RedisServer(Path binary, Process process, int port, Path workDir) {
        this.binary = binary;
        this.process = process;
        this.port = port;
        this.workDir = workDir;
    }

    /** Starts the binary found by {@code REDIS_SERVER} or {@code PATH}; see {@link #start(Path)}. */
    public static RedisServer start() {
        return start(RedisBinary.locate());
    }

    /** Starts {@code binary} and returns once it answers PING; throws with its log tail otherwise. */
    public static RedisServer start(Path binary) {
        Path workDir = createWorkDir();
        IllegalStateException lastFailure = null;
        for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
            int port = freePort();
            Path log = workDir.resolve("redis-" + port + ".log");
            Process process = launch(binary, port, workDir, log);
            try {
                awaitReady(process, port, log);
                return new RedisServer(binary, process, port, workDir);
            } catch (IllegalStateException e) {
                stop(process);
                lastFailure = e;
                if (!readLog(log).contains("Address already in use")) {
                    break;
                }
            }
        }
        deleteRecursively(workDir);
        throw lastFailure;
    }

    private static Process launch(Path binary, int port, Path workDir, Path log) {
        List<String> command = List.of(
                binary.toString(),
                "--port", Integer.toString(port),
                "--bind", HOST,
                // Tests want a clean slate and no disk writes: no RDB snapshots, no AOF.
                "--save", "",
                "--appendonly", "no",
                "--dir", workDir.toString(),
                "--daemonize", "no");
        try {
            return new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + binary, e);
        }
    }

    /**
     * Polls until the server answers. Matching the pid in INFO makes sure the answer comes from
     * our child and not from some other server that already owned the port.
     */
    private static void awaitReady(Process process, int port, Path log) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw startFailure("redis-server exited with status " + process.exitValue(), log);
            }
            try (RespConnection connection = RespConnection.open(HOST, port, PROBE_TIMEOUT)) {
                if ("PONG".equals(connection.command("PING"))
                        && connection.command("INFO", "server").contains("process_id:" + process.pid() + "\r\n")) {
                    return;
                }
            } catch (IOException | IllegalStateException notYet) {
                // Not listening yet, or still loading: poll again.
            }
            sleepBriefly();
        }
        throw startFailure("redis-server did not answer PING on port " + port + " within " + STARTUP_TIMEOUT, log);
    }

    private static IllegalStateException startFailure(String reason, Path log) {
        return new IllegalStateException(reason + "; last lines of " + log + ":\n" + tail(readLog(log)));
    }

    /** The port the server listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The connection URI in the form Lettuce and micronaut-redis expect. */
    public String uri() {
        return "redis://" + HOST + ":" + port;
    }

    /**
     * Stops the server (a Redis outage, for fault tests) and keeps its port for {@link #restart()}. Clients see their
     * connections closed and new ones refused.
     */
    public synchronized void stop() {
        stop(process);
    }

    /** Starts a stopped server again on the same port, empty; returns once it answers PING. */
    public synchronized void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("redis-server on port " + port + " is running; stop() it first");
        }
        Path log = workDir.resolve("redis-" + port + ".log");
        process = launch(binary, port, workDir, log);
        awaitReady(process, port, log);
    }

    /** Stops the process and removes its working directory. Safe to call twice. */
    @Override
    public synchronized void close() {
        stop(process);
        deleteRecursively(workDir);
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }

    private static Path createWorkDir() {
        try {
            return Files.createTempDirectory("llm-mesh-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a working directory for redis-server", e);
        }
    }

    private static String readLog(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // A leftover temp directory is harmless; failing a test over it would not be.
        }
    }
}
