package dev.llmmesh.launcher.stack;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to start one background process.
 *
 * @param env the complete environment: nothing is inherited implicitly, so a stray REDIS_URI in the
 *            user's shell cannot switch a cache on that the launcher decided to leave off
 */
public record ProcessSpec(List<String> command, Map<String, String> env, Path workDir) {
    public ProcessSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }
}
