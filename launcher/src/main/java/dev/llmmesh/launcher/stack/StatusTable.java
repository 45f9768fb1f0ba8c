package dev.llmmesh.launcher.stack;

import java.util.List;

/** {@code status} as a fixed-width table, readable in a terminal and greppable in a script. */
public final class StatusTable {
    private static final String ROW = "%-20s %-8s %-6s %-40s %s%n";

    private StatusTable() {
    }

    public static String format(List<ComponentStatus> rows) {
        StringBuilder table = new StringBuilder(ROW.formatted("COMPONENT", "PID", "PORT", "HEALTH", "LOG"));
        for (ComponentStatus row : rows) {
            table.append(ROW.formatted(row.name(), row.pid().map(String::valueOf).orElse("-"), row.port(),
                    row.health().label(), row.log()));
        }
        return table.toString();
    }
}
