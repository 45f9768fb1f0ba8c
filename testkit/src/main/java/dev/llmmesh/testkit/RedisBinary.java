package dev.llmmesh.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the {@code redis-server} executable: {@code REDIS_SERVER} when set, otherwise the first
 * match on {@code PATH}.
 *
 * <p>The environment is a parameter so the "not installed" path can be tested without changing
 * the real environment of the test JVM.
 */
final class RedisBinary {

    static final String ENV_VAR = "REDIS_SERVER";
    static final String NOT_ON_PATH = "redis-server not found on PATH: install it "
            + "(Debian: apt-get install -y redis-server) or set " + ENV_VAR + " to its path";

    private RedisBinary() {
    }

    static Path locate() {
        return locate(System.getenv());
    }

    static Path locate(Map<String, String> env) {
        String explicit = env.get(ENV_VAR);
        if (explicit != null && !explicit.isBlank()) {
            // An explicit choice that is wrong must fail loudly: silently falling back to PATH
            // would run a different Redis than the one the developer asked for.
            Path path = Path.of(explicit);
            if (!isExecutableFile(path)) {
                throw new IllegalStateException(ENV_VAR + "=" + explicit + " is not an executable file: "
                        + "point it at redis-server, or unset it to search PATH "
                        + "(Debian: apt-get install -y redis-server)");
            }
            return path;
        }
        return searchPath(env.getOrDefault("PATH", ""))
                .orElseThrow(() -> new IllegalStateException(NOT_ON_PATH));
    }

    private static Optional<Path> searchPath(String pathVariable) {
        return Stream.of(pathVariable.split(Pattern.quote(File.pathSeparator)))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "redis-server"))
                .filter(RedisBinary::isExecutableFile)
                .findFirst();
    }

    private static boolean isExecutableFile(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }
}
