package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/** One background process of the local stack: how to start it, how to tell it is ready, how long to wait. */
public interface Component {
    String name();

    int port();

    HealthCheck health();

    /** Bounded so that {@code up} always ends; generous, since the first start of a JVM on 2 cores is slow. */
    Duration startTimeout();

    /** How long a graceful stop may take before the process is killed. */
    Duration stopTimeout();

    /** Writes configuration and initialises storage; runs before each start, so it must be idempotent. */
    default void prepare(PrintStream out) throws IOException {
    }

    ProcessSpec processSpec();

    /**
     * Whether an instance this launcher did not start, found healthy on the same port, may stand in for it.
     * True only for stateless-enough infrastructure (a system Redis is a fine cache); never for Kafka or a
     * service, whose version and configuration must be ours.
     */
    default boolean mayUseExisting() {
        return false;
    }
}
