package dev.llmmesh.launcher.demo;

import dev.llmmesh.launcher.LauncherConfig;
import dev.llmmesh.launcher.stack.Stack;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * One run of a command that drives the mesh from outside (the demo, a recipe): uses the running stack, or starts
 * one on the embedded defaults and stops it again at the end, also on Ctrl-C, unless told to keep it up.
 */
public final class StackSession {
    /** The command's work, given whether the stack goes down when it ends (so next steps need an {@code up}). */
    public interface Steps {
        /** @return the exit code */
        int run(boolean stackStops) throws IOException;
    }

    private final LauncherConfig config;
    private final String title;
    private final String command;
    private final boolean keepUp;
    private final PrintStream out;
    private boolean stopped;

    /**
     * @param title   what ends, in the closing line: "Demo", "Recipe spam"
     * @param command how the user ran it, for the {@code --keep-up} hint: "demo", "recipe spam"
     */
    public StackSession(LauncherConfig config, String title, String command, boolean keepUp, PrintStream out) {
        this.config = config;
        this.title = title;
        this.command = command;
        this.keepUp = keepUp;
        this.out = out;
    }

    /** @return the exit code of {@code steps} */
    public int run(Steps steps) {
        long start = System.nanoTime();
        Stack stack = config.stack(out);
        boolean startedHere = !stack.isUp();
        Thread onCtrlC = new Thread(() -> stopOnce(stack));
        if (startedHere) {
            out.println("Starting the local stack (data in " + config.data().root() + ")");
            if (!keepUp) {
                // Ctrl-C must not leave a broker and services behind that the user never asked for.
                Runtime.getRuntime().addShutdownHook(onCtrlC);
            }
        } else {
            out.println("Using the running stack (data in " + config.data().root() + ")");
        }
        try {
            if (startedHere) {
                stack.up();
            }
            int exit = steps.run(startedHere && !keepUp);
            out.printf("%n%s %s after %.1f s.%n", title, exit == 0 ? "finished" : "stopped",
                    (System.nanoTime() - start) / 1e9);
            return exit;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (startedHere && !keepUp) {
                out.println();
                out.println("Stopping the stack the " + command.split(" ")[0] + " started (`bin/llm-mesh " + command
                        + " --keep-up` leaves it running)");
                stopOnce(stack);
                try {
                    Runtime.getRuntime().removeShutdownHook(onCtrlC);
                } catch (IllegalStateException e) {
                    // Already shutting down: the hook is running or has run.
                }
            } else if (startedHere) {
                out.println("The stack keeps running; `bin/llm-mesh down` stops it.");
            }
        }
    }

    /**
     * Synchronized, not just guarded: a Ctrl-C that lands while the run is already stopping the stack must
     * wait for that stop to finish, or the JVM exits halfway and leaves the rest running.
     */
    private synchronized void stopOnce(Stack stack) {
        if (!stopped) {
            stopped = true;
            stack.down();
        }
    }
}
