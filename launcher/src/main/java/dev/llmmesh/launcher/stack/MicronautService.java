package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** One replica of an llm-mesh service, run from its shaded jar exactly as a container would run it. */
public final class MicronautService implements Component {
    private final String name;
    private final String module;
    private final int port;
    private final Path home;
    private final DataLayout data;
    private final Path java;
    private final Map<String, String> env;

    /**
     * @param name   the replica's name ({@link Replicas#name}): its pid file, log and jar snapshot
     * @param module the Maven module whose jar it runs: the service's name
     * @param env    the replica's complete environment (see {@link ServiceEnv})
     */
    public MicronautService(String name, String module, int port, Path home, DataLayout data, Path java,
                            Map<String, String> env) {
        this.name = name;
        this.module = module;
        this.port = port;
        this.home = home;
        this.data = data;
        this.java = java;
        this.env = Map.copyOf(env);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public HealthCheck health() {
        return new HttpHealth(port);
    }

    @Override
    public Duration startTimeout() {
        return Duration.ofSeconds(120);
    }

    @Override
    public Duration stopTimeout() {
        return Duration.ofSeconds(20);
    }

    /** The service this is a replica of. */
    public String module() {
        return module;
    }

    public Map<String, String> env() {
        return env;
    }

    /** Snapshots the built jar into the data directory; the process runs the snapshot (see {@link DataLayout#runDir}). */
    @Override
    public void prepare(PrintStream out) throws IOException {
        Path built = jar().orElseThrow(() -> new StackException("no jar for " + module + " in "
                + home.resolve(module).resolve("target") + "; build it with `mvn -B -DskipTests package` "
                + "(bin/llm-mesh does this when it is missing)"));
        Path snapshot = snapshot();
        Files.createDirectories(snapshot.getParent());
        Path tmp = snapshot.resolveSibling(snapshot.getFileName() + ".tmp");
        Files.copy(built, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        Files.move(tmp, snapshot, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public ProcessSpec processSpec() {
        // DJL must never try to download a native library at run time on these machines; native access is
        // granted up front because zstd-jni and Netty load native code, which JDK 24+ warns about otherwise. The
        // Vector API (an incubator module) carries core's CPU decode kernels.
        return new ProcessSpec(List.of(java.toString(), "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-Dai.djl.offline=true",
                "-jar", snapshot().toString()), env, home);
    }

    /** One per replica: a replica started later copies a newer build without touching the jar others run. */
    Path snapshot() {
        return data.runDir().resolve(name + ".jar");
    }

    /** {@code <name>/target/<name>-<version>.jar}; the shade plugin's {@code original-*} jar is not runnable. */
    Optional<Path> jar() {
        Path target = home.resolve(module).resolve("target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().startsWith(module + "-")
                            && p.getFileName().toString().endsWith(".jar")
                            && !p.getFileName().toString().endsWith("-sources.jar"))
                    .max(Comparator.comparing(MicronautService::modified));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
