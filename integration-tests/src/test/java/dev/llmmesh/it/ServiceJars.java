package dev.llmmesh.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the packaged services are, and the JDK that runs them. */
final class ServiceJars {
    private static final int JAVA_FEATURE = 25;

    private ServiceJars() {
    }

    /** The repository root; failsafe passes it, and runs from the module directory otherwise. */
    static Path root() {
        return Path.of(System.getProperty("llm.mesh.root", "..")).toAbsolutePath().normalize();
    }

    /** {@code <root>/<service>/target/<service>-<version>.jar}, failing with what to do when it was not built. */
    static Path jar(String service) {
        return jar(root(), service, System.getProperty("llm.mesh.version", "0.1.0"));
    }

    static Path jar(Path root, String service, String version) {
        Path jar = root.resolve(service).resolve("target").resolve(service + "-" + version + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged " + service + " at " + jar + ": the integration tests run the "
                    + "services' shaded jars as processes, so they need the package phase first. Run `mvn -B verify` "
                    + "from the repository root (it packages every service before these tests), or "
                    + "`mvn -B -DskipTests package -pl " + service + " -am` before running this module alone.");
        }
        return jar;
    }

    /**
     * JAVA_HOME's java when it is a JDK 25+, else this JVM's own: the build's toolchain already picked a JDK 25
     * for the tests, and the default {@code java} on PATH may be older than the services' bytecode.
     */
    static Path java() {
        return Optional.ofNullable(System.getenv("JAVA_HOME"))
                .map(Path::of)
                .filter(home -> feature(home) >= JAVA_FEATURE)
                .orElse(Path.of(System.getProperty("java.home")))
                .resolve("bin").resolve("java");
    }

    /** The major version from a JDK's {@code release} file; 0 when it cannot be read. */
    static int feature(Path javaHome) {
        try {
            return Files.readAllLines(javaHome.resolve("release")).stream()
                    .filter(line -> line.startsWith("JAVA_VERSION="))
                    .map(line -> line.substring("JAVA_VERSION=".length()).replace("\"", ""))
                    .map(version -> Integer.parseInt(version.split("[.+-]")[0]))
                    .findFirst().orElse(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
