package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the local stack keeps its state. Everything lives under one directory so that deleting it is a
 * complete reset and nothing leaks into the repository or the home directory.
 */
public record DataLayout(Path root) {
    public DataLayout {
        root = root.toAbsolutePath().normalize();
    }

    public Path kafkaDir() {
        return root.resolve("kafka");
    }

    /** Kafka's log.dirs: formatted once, then reused so topics and offsets survive a restart. */
    public Path kafkaLogDir() {
        return kafkaDir().resolve("data");
    }

    public Path redisDir() {
        return root.resolve("redis");
    }

    /** The shared artifact store every service reads and writes (LLM_ARTIFACTS_DIR). */
    public Path artifactsDir() {
        return root.resolve("artifacts");
    }

    public Path logsDir() {
        return root.resolve("logs");
    }

    public Path pidsDir() {
        return root.resolve("pids");
    }

    /**
     * Copies of the service jars the running processes use: a rebuild then replaces target/*.jar without
     * pulling a jar from under a JVM that still loads classes from it.
     */
    public Path runDir() {
        return root.resolve("run");
    }

    public Path logFile(String component) {
        return logsDir().resolve(component + ".log");
    }

    public PidFile pidFile(String component) {
        return new PidFile(pidsDir().resolve(component + ".pid"));
    }

    /** The replica counts of the running stack (see {@link ReplicaFile}). */
    public ReplicaFile replicaFile() {
        return new ReplicaFile(root.resolve("replicas.conf"));
    }

    public void create() throws IOException {
        for (Path dir : new Path[] {kafkaLogDir(), redisDir(), artifactsDir(), logsDir(), pidsDir(), runDir()}) {
            Files.createDirectories(dir);
        }
    }
}
