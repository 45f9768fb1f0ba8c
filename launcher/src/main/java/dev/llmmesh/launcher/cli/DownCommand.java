package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.StackOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop what `up` started, every replica included: the gateway and services first, then Kafka, "
                + "then Redis; gracefully, then forcibly. Forgets the replica counts `up --replicas` set.")
public final class DownCommand implements Callable<Integer> {
    @Mixin
    private StackOptions options;

    @Override
    public Integer call() {
        boolean any = options.config().stack(System.out).down();
        System.out.println(any ? "llm-mesh is down." : "llm-mesh was not running.");
        return 0;
    }
}
