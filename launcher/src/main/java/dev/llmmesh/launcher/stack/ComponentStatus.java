package dev.llmmesh.launcher.stack;

import java.nio.file.Path;
import java.util.Optional;

/** One row of {@code status}. */
public record ComponentStatus(String name, Optional<Long> pid, int port, Health health, Path log) {
    public enum Health {
        HEALTHY("healthy"),
        UNHEALTHY("running, not healthy"),
        EXTERNAL("healthy, not started by llm-mesh"),
        PORT_TAKEN("stopped; port taken by another process"),
        STOPPED("stopped");

        private final String label;

        Health(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** Whether the stack can use it. */
        public boolean usable() {
            return this == HEALTHY || this == EXTERNAL;
        }
    }
}
