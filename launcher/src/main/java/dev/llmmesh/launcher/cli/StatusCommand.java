package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.StackOptions;
import dev.llmmesh.launcher.stack.ComponentStatus;
import dev.llmmesh.launcher.stack.Stack;
import dev.llmmesh.launcher.stack.StatusTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show each component's pid, port and health. Exits 0 when all are healthy, 3 otherwise.",
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:all components healthy", "3:something is not"})
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    private StackOptions options;

    @Override
    public Integer call() {
        Stack stack = options.config().stack(System.out);
        List<ComponentStatus> rows = stack.status();
        System.out.print(StatusTable.format(rows));
        stack.plan().notes().forEach(note -> System.out.println("note: " + note));
        return rows.stream().allMatch(r -> r.health().usable()) ? 0 : 3;
    }
}
