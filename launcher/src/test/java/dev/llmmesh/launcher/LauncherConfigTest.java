package dev.llmmesh.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LauncherConfigTest {
    private static final Path JAVA = Path.of("/jdk/bin/java");

    @TempDir
    Path home;

    @Test
    void dataDirDefaultsToDotDataInTheRepository() {
        var config = LauncherConfig.resolve(Optional.empty(), Map.of(), home, JAVA);
        assertEquals(home.resolve(".data").toAbsolutePath(), config.data().root());
        assertEquals(home.resolve(".data/artifacts").toAbsolutePath(), config.data().artifactsDir());
        assertEquals(home.resolve(".data/logs/kafka.log").toAbsolutePath(), config.data().logFile("kafka"));
    }

    @Test
    void optionWinsOverEnvironmentWhichWinsOverDefault() {
        Map<String, String> env = Map.of(LauncherConfig.DATA_DIR_ENV, "/from/env");
        assertEquals(Path.of("/from/env"), LauncherConfig.resolve(Optional.empty(), env, home, JAVA).data().root());
        assertEquals(Path.of("/from/option"),
                LauncherConfig.resolve(Optional.of(Path.of("/from/option")), env, home, JAVA).data().root());
    }

    @Test
    void blankEnvironmentVariableMeansDefault() {
        var config = LauncherConfig.resolve(Optional.empty(), Map.of(LauncherConfig.DATA_DIR_ENV, " "), home, JAVA);
        assertEquals(home.resolve(".data").toAbsolutePath(), config.data().root());
    }

    @Test
    void relativeDataDirIsTakenFromTheWorkingDirectory() {
        var config = LauncherConfig.resolve(Optional.of(Path.of("state")), Map.of(), home, JAVA);
        assertEquals(Path.of("state").toAbsolutePath(), config.data().root());
    }

    @Test
    void redisServerIsFoundOnPathOnly(@TempDir Path bin) throws IOException {
        assertTrue(LauncherConfig.resolve(Optional.empty(), Map.of("PATH", bin.toString()), home, JAVA)
                .redisServer().isEmpty());
        Path redis = executable(bin.resolve("redis-server"));
        var config = LauncherConfig.resolve(Optional.empty(), Map.of("PATH", "/nowhere:" + bin), home, JAVA);
        assertEquals(Optional.of(redis), config.redisServer());
    }

    @Test
    void nonExecutableFileIsNotAProgram(@TempDir Path bin) throws IOException {
        Files.writeString(bin.resolve("redis-server"), "not a program");
        assertTrue(new Executables(bin.toString()).find("redis-server").isEmpty());
    }

    private static Path executable(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
