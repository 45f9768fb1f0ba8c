package dev.llmmesh.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One llm-mesh service run from its packaged jar as a child JVM, the way a deployment runs it, with its output in a
 * log file. Closing it stops the process (SIGTERM, then SIGKILL); so does the caller's JVM exiting, so no service
 * outlives the test or benchmark that started it.
 */
public final class ServiceJvm implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final int LOG_TAIL_LINES = 60;

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;
    private final Thread killOnExit;

    private ServiceJvm(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
        this.killOnExit = new Thread(process::destroyForcibly, name + "-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts {@code jar} on a free port with the JDK running this JVM, and returns at once, so services boot side
     * by side (see {@link #awaitHealthy}).
     *
     * @param env        the service's configuration; the port is added here
     * @param systemArgs extra {@code -D} arguments (e.g. libtorch's thread count)
     * @param logName    the log file's name without {@code .log}: a restarted service keeps its first log
     */
    public static ServiceJvm start(String name, Path jar, Map<String, String> env, List<String> systemArgs,
                                   Path logDir, String logName) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package " + name + " first (mvn -pl " + name
                    + " package -DskipTests)");
        }
        int port = freePort();
        Files.createDirectories(logDir);
        Path log = logDir.resolve(logName + ".log");
        // DJL never downloads here; Netty and libtorch load native code, which JDK 24+ warns about otherwise; the
        // Vector API (an incubator module) carries core's CPU decode kernels.
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-Dai.djl.offline=true"));
        command.addAll(systemArgs);
        command.addAll(List.of("-jar", jar.toString()));
        var builder = new ProcessBuilder(command).directory(logDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Settings inherited from the caller's shell would change what runs (tracing export, API keys, brokers).
        builder.environment().keySet().removeIf(k -> k.startsWith("OTEL_") || k.startsWith("LLM_")
                || k.startsWith("KAFKA_") || k.startsWith("REDIS_") || k.startsWith("MICRONAUT_"));
        // 2 MB pages under libtorch's large arrays, as the launcher and the images have them.
        builder.environment().putIfAbsent("THP_MEM_ALLOC_ENABLE", "1");
        builder.environment().putAll(env);
        builder.environment().put("MICRONAUT_SERVER_PORT", Integer.toString(port));
        return new ServiceJvm(name, port, log, builder.start());
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    public Path log() {
        return log;
    }

    /** {@link #awaitHealthy(HttpClient, Duration)} with two minutes: a cold JVM with Kafka joins on two busy cores. */
    public ServiceJvm awaitHealthy() throws InterruptedException {
        return awaitHealthy(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), Duration.ofMinutes(2));
    }

    /** Waits for {@code GET /health} to answer 200; fails with the log's tail if the process dies or it times out. */
    public ServiceJvm awaitHealthy(HttpClient http, Duration timeout) throws InterruptedException {
        HttpRequest health = HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        int lastStatus = -1;
        while (System.nanoTime() < deadline) {
            checkAlive();
            try {
                lastStatus = http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (lastStatus == 200) {
                    return this;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " was not healthy within " + timeout.toSeconds() + " s (last status "
                + lastStatus + "); the end of " + log + ":\n" + logTail());
    }

    /** Throws, with the log's tail, if the process has exited. */
    public void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; the end of " + log
                    + ":\n" + logTail());
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** SIGKILL, as a crash or the OOM killer ends it: no shutdown hooks, no leaving the consumer group, no commits. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already exiting.
        }
    }

    /** SIGTERM first, so the service leaves its consumer group cleanly; SIGKILL if it lingers. */
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
            // The JVM is already exiting; the hook kills the process anyway.
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
