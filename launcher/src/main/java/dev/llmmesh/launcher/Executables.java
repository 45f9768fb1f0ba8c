package dev.llmmesh.launcher;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code which}: "installed" means on PATH, so a user can hide a program from the launcher the usual way. */
public final class Executables {
    private final List<Path> dirs;

    public Executables(String pathVariable) {
        List<Path> dirs = new ArrayList<>();
        if (pathVariable != null) {
            for (String dir : pathVariable.split(File.pathSeparator)) {
                if (!dir.isBlank()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        this.dirs = List.copyOf(dirs);
    }

    public Optional<Path> find(String name) {
        return dirs.stream()
                .map(dir -> dir.resolve(name))
                .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
                .findFirst();
    }
}
