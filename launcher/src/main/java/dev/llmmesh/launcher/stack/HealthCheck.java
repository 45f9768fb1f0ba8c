package dev.llmmesh.launcher.stack;

/** Whether a component answers as it should; never throws, never blocks for more than a few seconds. */
public interface HealthCheck {
    boolean healthy();

    /** What is checked, for error messages ("GET http://localhost:8081/health"). */
    String describe();
}
