package dev.llmmesh.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the packaged services are (testkit's ServiceJvm runs them on the JDK running the tests). */
final class ServiceJars {
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
}
