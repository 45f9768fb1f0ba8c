package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.StackOptions;
import dev.llmmesh.launcher.stack.DataLayout;
import dev.llmmesh.launcher.stack.LogTail;
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

    @Parameters(paramLabel = "NAME", description = "kafka, redis or a service (tokenizer-service)")
    private String name;

    @Option(names = {"-n", "--lines"}, defaultValue = "50", description = "how many lines (default: ${DEFAULT-VALUE})")
    private int lines;

    @Override
    public Integer call() throws IOException {
        DataLayout data = options.config().data();
        Path log = data.logFile(name);
        if (!Files.isRegularFile(log)) {
            throw new StackException("no log for '" + name + "' in " + data.logsDir() + "; logs there: " + known(data));
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
