package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.StackOptions;
import dev.llmmesh.launcher.stack.DataLayout;
import dev.llmmesh.launcher.stack.LogTail;
import dev.llmmesh.launcher.stack.Replicas;
import dev.llmmesh.launcher.stack.StackException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print the end of a component's log.")
public final class LogsCommand implements Callable<Integer> {
    @Mixin
    private StackOptions options;

    @Parameters(paramLabel = "NAME", description = "kafka, redis, a service (tokenizer-service, gateway) or a "
            + "replica as `status` names it (tokenizer-service-2)")
    private String name;

    @Option(names = {"-r", "--replica"}, paramLabel = "N",
            description = "replica N of the service (1, the default, is the service's own name)")
    private Integer replica;

    @Option(names = {"-n", "--lines"}, defaultValue = "50", description = "how many lines (default: ${DEFAULT-VALUE})")
    private int lines;

    @Override
    public Integer call() throws IOException {
        DataLayout data = options.config().data();
        if (replica != null && replica < 1) {
            throw new StackException("--replica counts from 1, got " + replica);
        }
        String component = replica == null ? name : Replicas.name(name, replica);
        Path log = data.logFile(component);
        if (!Files.isRegularFile(log)) {
            throw new StackException("no log for '" + component + "' in " + data.logsDir() + "; logs there: " + known(data));
        }
        LogTail.lastLines(log, lines).forEach(System.out::println);
        return 0;
    }

    private static String known(DataLayout data) throws IOException {
        if (!Files.isDirectory(data.logsDir())) {
            return "none (the stack never ran with this data directory)";
        }
        try (Stream<Path> files = Files.list(data.logsDir())) {
            String names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".log"))
                    .map(n -> n.substring(0, n.length() - ".log".length()))
                    .sorted()
                    .collect(Collectors.joining(", "));
            return names.isEmpty() ? "none" : names;
        }
    }
}
