package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.StackOptions;
import dev.llmmesh.launcher.stack.Ports;
import dev.llmmesh.launcher.stack.Replicas;
import dev.llmmesh.launcher.stack.ServiceCatalog;
import dev.llmmesh.launcher.stack.Stack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start Kafka, Redis (if installed), the services and the gateway in the background and wait "
                + "until they are healthy. Does nothing for what already runs.")
public final class UpCommand implements Callable<Integer> {
    @Mixin
    private StackOptions options;

    @Option(names = "--replicas", split = ",", paramLabel = "SERVICE=COUNT",
            description = "run COUNT copies of a service, e.g. tokenizer-service=2; replica n is named "
                    + "SERVICE-n, on the service's port + 100*(n-1). Remembered until `down`; a lower count stops "
                    + "the surplus. Repeatable, or comma-separated.")
    private List<String> replicas = List.of();

    @Override
    public Integer call() throws IOException {
        LauncherConfig config = options.config();
        Replicas scale = config.data().replicaFile().read().with(Replicas.parse(replicas));
        // Recorded before anything starts: a down after a half-finished up must still find every replica.
        config.data().replicaFile().write(scale);
        Stack stack = config.stack(System.out, scale);
        System.out.println("llm-mesh up (data in " + config.data().root() + ")");
        boolean started = stack.up();
        System.out.println(started
                ? "llm-mesh is up. `bin/llm-mesh status` shows it, `bin/llm-mesh down` stops it."
                : "llm-mesh was already up.");
        System.out.println("The gateway answers on http://" + Ports.HOST + ":" + ServiceCatalog.GATEWAY.port()
                + " with no API key (they are off in the local stack), e.g. `curl -s localhost:"
                + ServiceCatalog.GATEWAY.port() + "/v1/models`.");
        return 0;
    }
}
