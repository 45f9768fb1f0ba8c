package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** {@code up}, {@code down} and {@code status} over the components of a {@link StackPlan}. */
public final class Stack {
    /** One component's line of {@code up} and {@code down}: its name, then what happened to it. */
    static final String LINE = "  %-20s %s%n";

    private final StackPlan plan;
    private final DataLayout data;
    private final BackgroundProcesses processes;
    private final HealthWait healthWait;
    private final PrintStream out;

    public Stack(StackPlan plan, DataLayout data, BackgroundProcesses processes, HealthWait healthWait,
                 PrintStream out) {
        this.plan = plan;
        this.data = data;
        this.processes = processes;
        this.healthWait = healthWait;
        this.out = out;
    }

    public StackPlan plan() {
        return plan;
    }

    /** Whether every component runs and passes its health check. */
    public boolean isUp() {
        return status().stream().allMatch(s -> s.health().usable());
    }

    /**
     * Starts whatever is not running, in order, each only once the one before it is healthy; leaves the
     * rest alone, so running it twice is harmless.
     *
     * @return whether this call started anything
     */
    public boolean up() {
        try {
            data.create();
        } catch (IOException e) {
            throw new StackException("cannot create the data directory " + data.root() + ": " + e.getMessage(), e);
        }
        plan.notes().forEach(note -> out.println("note: " + note));
        // Fewer replicas than last time: the surplus goes before anything starts, freeing its memory.
        unplannedReplicas().forEach(name -> stop(name, Duration.ofSeconds(20)));
        boolean started = false;
        for (Component component : plan.components()) {
            started |= ensureRunning(component);
        }
        return started;
    }

    private boolean ensureRunning(Component component) {
        String name = component.name();
        PidFile pidFile = data.pidFile(name);
        Path log = data.logFile(name);
        try {
            Optional<ProcessHandle> running = pidFile.process();
            if (running.isPresent()) {
                ProcessHandle process = running.get();
                // Perhaps a previous up is still waiting on it; give it the same chance.
                healthWait.await(name, component.health(), process::isAlive, component.startTimeout(), log);
                out.printf(LINE, name, "already running (pid " + process.pid() + ") on :" + component.port());
                return false;
            }
            pidFile.delete();
            if (Ports.listening(component.port())) {
                if (component.mayUseExisting() && component.health().healthy()) {
                    out.printf(LINE, name, "using the server already on :" + component.port()
                            + " (not started by llm-mesh)");
                    return false;
                }
                throw new StackException("port " + component.port() + " is taken by a process llm-mesh did not start, so "
                        + name + " cannot start; find it with `ss -ltnp 'sport = :" + component.port()
                        + "'`, stop it, and run up again");
            }
            component.prepare(out);
            Process process = processes.start(name, component.processSpec(), log);
            pidFile.write(process.toHandle());
            out.printf(LINE, name, "starting (pid " + process.pid() + "), log " + log);
            Duration took;
            try {
                took = healthWait.await(name, component.health(), process::isAlive, component.startTimeout(), log);
            } catch (StackException e) {
                // A half-started process would block the port for the next attempt.
                processes.stop(process.toHandle(), Duration.ofSeconds(5));
                pidFile.delete();
                throw e;
            }
            out.printf(LINE, name, "healthy on :%d after %.1f s".formatted(component.port(), took.toMillis() / 1000.0));
            return true;
        } catch (IOException e) {
            throw new StackException("cannot start " + name + ": " + e.getMessage() + "; read " + log, e);
        }
    }

    /**
     * Stops services, then Kafka, then Redis, each gracefully first; also any process from a pid file whose
     * component this machine no longer plans (redis-server uninstalled since the last up).
     *
     * @return whether anything was running
     */
    public boolean down() {
        // Replicas this plan does not know (their count was lowered by hand, or the replica file is gone) go first.
        List<String> names = new ArrayList<>(unplannedReplicas());
        names.addAll(plan.stopOrder().stream().map(Component::name).toList());
        if (!names.contains(RedisServer.NAME)) {
            names.add(RedisServer.NAME);
        }
        boolean any = false;
        for (String name : names) {
            Duration grace = plan.component(name).map(Component::stopTimeout).orElse(Duration.ofSeconds(10));
            any |= stop(name, grace);
        }
        try {
            data.replicaFile().delete();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return any;
    }

    /** Service replicas with a pid file that are not part of the plan. */
    List<String> unplannedReplicas() {
        Path dir = data.pidsDir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".pid"))
                    .map(f -> f.substring(0, f.length() - ".pid".length()))
                    .filter(name -> Replicas.serviceOf(name).isPresent() && plan.component(name).isEmpty())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean stop(String name, Duration grace) {
        PidFile pidFile = data.pidFile(name);
        try {
            Optional<ProcessHandle> running = pidFile.process();
            if (running.isEmpty()) {
                pidFile.delete();
                return false;
            }
            long start = System.nanoTime();
            BackgroundProcesses.Stopped result = processes.stop(running.get(), grace);
            // Only now: if this launcher dies mid-stop, the next down still finds the process.
            if (result != BackgroundProcesses.Stopped.STILL_RUNNING) {
                pidFile.delete();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String pid = "pid " + running.get().pid();
            out.printf(LINE, name, switch (result) {
                case GRACEFULLY -> "stopped (%s) in %.1f s".formatted(pid, seconds);
                case FORCIBLY -> "killed (%s): it did not stop within %d s of SIGTERM".formatted(pid, grace.toSeconds());
                case STILL_RUNNING -> "could not be stopped (%s); kill it by hand".formatted(pid);
            });
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<ComponentStatus> status() {
        List<ComponentStatus> rows = new ArrayList<>();
        for (Component component : plan.components()) {
            Optional<ProcessHandle> process;
            try {
                process = data.pidFile(component.name()).process();
            } catch (IOException e) {
                process = Optional.empty();
            }
            ComponentStatus.Health health;
            if (process.isPresent()) {
                health = component.health().healthy() ? ComponentStatus.Health.HEALTHY : ComponentStatus.Health.UNHEALTHY;
            } else if (Ports.listening(component.port())) {
                health = component.mayUseExisting() && component.health().healthy()
                        ? ComponentStatus.Health.EXTERNAL : ComponentStatus.Health.PORT_TAKEN;
            } else {
                health = ComponentStatus.Health.STOPPED;
            }
            rows.add(new ComponentStatus(component.name(), process.map(ProcessHandle::pid), component.port(), health,
                    data.logFile(component.name())));
        }
        return rows;
    }
}
