package dev.llmmesh.launcher;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** Options every command shares; a mixin so that they go after the command name, where users put them. */
public final class StackOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "where the stack keeps Kafka, Redis, artifacts, logs and pids "
                    + "(default: $" + LauncherConfig.DATA_DIR_ENV + ", else .data/ in the repository)")
    private Path dataDir;

    public LauncherConfig config() {
        return LauncherConfig.current(Optional.ofNullable(dataDir));
    }
}
