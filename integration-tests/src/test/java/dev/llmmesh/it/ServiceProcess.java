package dev.llmmesh.it;

import dev.llmmesh.testkit.ServiceJvm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The services of this build, started from their packaged jars (see {@link ServiceJars}) as child JVMs. */
final class ServiceProcess {
    private ServiceProcess() {
    }

    static ServiceJvm start(String name, Map<String, String> env, Path logDir) throws IOException {
        return start(name, env, logDir, name);
    }

    /** @param logName the log file's name without {@code .log}: a restarted service keeps its first log */
    static ServiceJvm start(String name, Map<String, String> env, Path logDir, String logName) throws IOException {
        return ServiceJvm.start(name, ServiceJars.jar(name), env, List.of(), logDir, logName);
    }
}
