package dev.llmmesh.launcher.stack;

import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kafka 4 broker in its own JVM, on the classpath that the local-kafka module copies to
 * {@code local-kafka/target/lib}; the services' 3.9 clients talk to it as to any production broker.
 */
public final class KafkaBroker implements Component {
    public static final String NAME = "kafka";
    private static final Duration FORMAT_TIMEOUT = Duration.ofMinutes(2);

    private final Path java;
    private final Path libDir;
    private final DataLayout data;
    private final Map<String, String> env;

    public KafkaBroker(Path java, Path libDir, DataLayout data, Map<String, String> env) {
        this.java = java;
        this.libDir = libDir;
        this.data = data;
        this.env = Map.copyOf(env);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int port() {
        return Ports.KAFKA;
    }

    @Override
    public HealthCheck health() {
        return new KafkaHealth(Ports.KAFKA_BOOTSTRAP, Ports.KAFKA);
    }

    @Override
    public Duration startTimeout() {
        return Duration.ofSeconds(90);
    }

    @Override
    public Duration stopTimeout() {
        return Duration.ofSeconds(30);
    }

    public Path serverProperties() {
        return data.kafkaDir().resolve("server.properties");
    }

    private Path log4jConfig() {
        return data.kafkaDir().resolve("log4j2.properties");
    }

    private String classpath() {
        return libDir + "/*";
    }

    @Override
    public void prepare(PrintStream out) throws IOException {
        requireClasspath();
        Files.createDirectories(data.kafkaLogDir());
        Files.writeString(serverProperties(), KafkaConfig.serverProperties(data.kafkaLogDir()));
        Files.writeString(log4jConfig(), KafkaConfig.LOG4J2);
        if (!Files.exists(data.kafkaLogDir().resolve("meta.properties"))) {
            String clusterId = Uuid.randomUuid().toString();
            format(clusterId);
            out.printf(Stack.LINE, NAME, "formatted KRaft storage (cluster id " + clusterId + ")");
        }
    }

    @Override
    public ProcessSpec processSpec() {
        return new ProcessSpec(List.of(java.toString(),
                "-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
                // zstd-jni, snappy and lz4 load native code, and Kafka unmaps buffers through sun.misc.Unsafe;
                // JDK 24+ prints a warning for each at every start without these.
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dlog4j2.configurationFile=" + log4jConfig(),
                "-cp", classpath(), "kafka.Kafka", serverProperties().toString()), env, data.kafkaDir());
    }

    private void requireClasspath() throws IOException {
        boolean present;
        try (Stream<Path> jars = Files.isDirectory(libDir) ? Files.list(libDir) : Stream.empty()) {
            present = jars.anyMatch(p -> p.getFileName().toString().startsWith("kafka_2.13-"));
        }
        if (!present) {
            throw new StackException("no Kafka broker jars in " + libDir + "; build them with "
                    + "`mvn -B -DskipTests package` (bin/llm-mesh does this when they are missing)");
        }
    }

    /** A KRaft log directory must be formatted once, before the first start, with a cluster id. */
    private void format(String clusterId) throws IOException {
        Path log = data.logFile(NAME);
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(java.toString(), "-Dlog4j2.configurationFile=" + log4jConfig(),
                "-cp", classpath(), "kafka.tools.StorageTool", "format",
                "--config", serverProperties().toString(), "--cluster-id", clusterId, "--standalone")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            if (!process.waitFor(FORMAT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new StackException("formatting Kafka storage took longer than " + FORMAT_TIMEOUT.toSeconds()
                        + " s; read " + log + LogTail.excerpt(log, 15));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while formatting Kafka storage");
        }
        if (process.exitValue() != 0) {
            throw new StackException("formatting Kafka storage in " + data.kafkaLogDir() + " failed (exit "
                    + process.exitValue() + "); read " + log + LogTail.excerpt(log, 15));
        }
    }
}
