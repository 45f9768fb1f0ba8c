package dev.llmmesh.launcher;

import dev.llmmesh.launcher.cli.DemoCommand;
import dev.llmmesh.launcher.cli.DownCommand;
import dev.llmmesh.launcher.cli.LogsCommand;
import dev.llmmesh.launcher.cli.RecipeCommand;
import dev.llmmesh.launcher.cli.StatusCommand;
import dev.llmmesh.launcher.cli.UpCommand;
import dev.llmmesh.launcher.stack.StackException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/llm-mesh}: the local stack without Docker. */
@Command(name = "llm-mesh", mixinStandardHelpOptions = true, version = "llm-mesh launcher 0.1.0",
        description = "Runs llm-mesh on this machine without Docker: a Kafka broker, redis-server and the "
                + "services as background processes.",
        subcommands = {UpCommand.class, DownCommand.class, StatusCommand.class, LogsCommand.class, DemoCommand.class,
                RecipeCommand.class})
public final class Launcher implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Launcher());
        // A StackException already says what failed and where to look; a stack trace would bury that.
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof StackException) {
                cmd.getErr().println("error: " + e.getMessage());
                cmd.getErr().flush();
                return 1;
            }
            throw e;
        });
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
