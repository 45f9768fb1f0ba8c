package dev.llmmesh.launcher.stack;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Starts processes that outlive the launcher, and stops them again by pid. */
public final class BackgroundProcesses {
    /**
     * Under {@code setsid} a process gets its own session: Ctrl-C in the terminal that ran {@code up} or
     * {@code demo} no longer reaches it, and closing that terminal does not hang it up. (A child of a JVM is
     * never a process group leader, so setsid execs in place and the pid stays the one we record.)
     */
    private final Optional<Path> setsid;

    public BackgroundProcesses(Optional<Path> setsid) {
        this.setsid = setsid;
    }

    public Process start(String name, ProcessSpec spec, Path logFile) throws IOException {
        Files.createDirectories(logFile.getParent());
        // Logs append across restarts; a header marks where this run begins.
        Files.writeString(logFile, "%n===== llm-mesh: starting %s at %s =====%n%s%n".formatted(name, Instant.now(),
                        String.join(" ", spec.command())),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        List<String> command = new ArrayList<>();
        setsid.ifPresent(p -> command.add(p.toString()));
        command.addAll(spec.command());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(spec.workDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(spec.env());
        return builder.start();
    }

    public enum Stopped { GRACEFULLY, FORCIBLY, STILL_RUNNING }

    /** SIGTERM, up to {@code grace} for a clean shutdown, then SIGKILL. */
    public Stopped stop(ProcessHandle process, Duration grace) {
        process.destroy();
        if (awaitExit(process, grace)) {
            return Stopped.GRACEFULLY;
        }
        process.destroyForcibly();
        return awaitExit(process, Duration.ofSeconds(10)) ? Stopped.FORCIBLY : Stopped.STILL_RUNNING;
    }

    private static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
