package dev.llmmesh.launcher;

import dev.llmmesh.launcher.stack.BackgroundProcesses;
import dev.llmmesh.launcher.stack.DataLayout;
import dev.llmmesh.launcher.stack.HealthWait;
import dev.llmmesh.launcher.stack.Replicas;
import dev.llmmesh.launcher.stack.Stack;
import dev.llmmesh.launcher.stack.StackPlan;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the launcher decides from its surroundings, in one place so it can be tested without
 * starting anything.
 *
 * @param home the repository root: jars, the bundled corpus and the default data directory are found from it
 * @param java the JDK 25 that runs the launcher; every child JVM uses the same one
 * @param env  the launcher's environment, inherited by the processes it starts
 */
public record LauncherConfig(Path home, DataLayout data, Path java, Optional<Path> redisServer,
                             Optional<Path> setsid, Map<String, String> env) {
    public static final String DATA_DIR_ENV = "LLM_DATA_DIR";
    /** bin/llm-mesh sets it; without it the home is found from the launcher jar's own location. */
    public static final String HOME_PROPERTY = "llm.mesh.home";

    public LauncherConfig {
        env = Map.copyOf(env);
    }

    /**
     * @param dataDirOption {@code --data-dir}, which wins over {@code LLM_DATA_DIR}, which wins over
     *                      {@code <home>/.data}; relative paths are taken from the current directory
     */
    public static LauncherConfig resolve(Optional<Path> dataDirOption, Map<String, String> env, Path home, Path java) {
        Path dataDir = dataDirOption
                .or(() -> Optional.ofNullable(env.get(DATA_DIR_ENV)).filter(s -> !s.isBlank()).map(Path::of))
                .orElse(home.resolve(".data"));
        Executables path = new Executables(env.get("PATH"));
        return new LauncherConfig(home.toAbsolutePath().normalize(), new DataLayout(dataDir), java,
                path.find("redis-server"), path.find("setsid"), env);
    }

    /** The configuration of this JVM: its own JDK, its environment, its home. */
    public static LauncherConfig current(Optional<Path> dataDirOption) {
        return resolve(dataDirOption, System.getenv(), locateHome(), Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    public StackPlan plan(Replicas replicas) {
        return StackPlan.of(home, data, java, redisServer, env, replicas);
    }

    /** The stack with the replica counts the running stack was given (one of each when none were). */
    public Stack stack(PrintStream out) {
        return stack(out, data.replicaFile().read());
    }

    public Stack stack(PrintStream out, Replicas replicas) {
        return new Stack(plan(replicas), data, new BackgroundProcesses(setsid), new HealthWait(), out);
    }

    /** The repository root: the launcher jar sits at {@code <home>/launcher/target/launcher.jar}. */
    static Path locateHome() {
        String property = System.getProperty(HOME_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        try {
            Path location = Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = location.getParent() == null ? null : location.getParent().getParent();
            candidate = candidate == null ? null : candidate.getParent();
            if (candidate != null && Files.isRegularFile(candidate.resolve("pom.xml"))) {
                return candidate;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // Fall through to the working directory.
        }
        return Path.of("").toAbsolutePath();
    }
}
