package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.StackOptions;
import dev.llmmesh.launcher.stack.Stack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start Kafka, Redis (if installed) and the services in the background and wait until they "
                + "are healthy. Does nothing for what already runs.")
public final class UpCommand implements Callable<Integer> {
    @Mixin
    private StackOptions options;

    @Override
    public Integer call() {
        LauncherConfig config = options.config();
        Stack stack = config.stack(System.out);
        System.out.println("llm-mesh up (data in " + config.data().root() + ")");
        boolean started = stack.up();
        System.out.println(started
                ? "llm-mesh is up. `bin/llm-mesh status` shows it, `bin/llm-mesh down` stops it."
                : "llm-mesh was already up.");
        return 0;
    }
}
