package dev.llmmesh.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One llm-mesh service as a real child JVM, run from its packaged jar the way a container runs it, its output
 * in a log file. Stopped by {@link #close()}, and by a shutdown hook if the test JVM exits first, so no service
 * outlives the build that started it.
 */
final class ServiceProcess implements AutoCloseable {
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int LOG_TAIL_LINES = 60;

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;
    private final Thread killOnExit;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
        this.killOnExit = new Thread(process::destroyForcibly, name + "-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts the service on a free port; returns at once, so several services boot side by side
     * (see {@link #awaitHealthy()}).
     *
     * @param env the service's configuration (Kafka, Redis, artifacts); the port is added here
     */
    static ServiceProcess start(String name, Map<String, String> env, Path logDir) throws IOException {
        return start(name, env, logDir, name);
    }

    /** @param logName the log file's name without {@code .log}: a restarted service keeps its first log */
    static ServiceProcess start(String name, Map<String, String> env, Path logDir, String logName) throws IOException {
        int port = freePort();
        Path log = logDir.resolve(logName + ".log");
        Files.createDirectories(logDir);
        // DJL must never download at run time; native access is granted because Netty and libtorch load
        // native code, which JDK 24+ warns about on every start otherwise.
        var builder = new ProcessBuilder(List.of(ServiceJars.java().toString(), "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-jar", ServiceJars.jar(name).toString()))
                .directory(logDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("MICRONAUT_SERVER_PORT", Integer.toString(port));
        return new ServiceProcess(name, port, log, builder.start());
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    Path log() {
        return log;
    }

    /** Waits for {@code GET /health} to answer 200; fails with the log's tail if it dies or takes too long. */
    ServiceProcess awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + HEALTH_TIMEOUT.toNanos();
        int lastStatus = -1;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was healthy; "
                        + "the end of " + log + ":\n" + logTail());
            }
            try {
                lastStatus = http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (lastStatus == 200) {
                    return this;
                }
            } catch (ConnectException e) {
                // Not listening yet.
            } catch (IOException e) {
                lastStatus = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name);
            }
            sleep(Duration.ofMillis(250));
        }
        throw new IllegalStateException(name + " was not healthy on :" + port + " within " + HEALTH_TIMEOUT.toSeconds()
                + " s (last GET /health status " + lastStatus + "); the end of " + log + ":\n" + logTail());
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** SIGTERM first, so the service leaves its consumer group cleanly; then SIGKILL. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already exiting; the hook kills it anyway.
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
