package dev.llmmesh.launcher.stack;

import java.util.List;

/** The services the launcher runs, in start order, with their ports from ARCHITECTURE.md. */
public final class ServiceCatalog {
    public record Entry(String name, int port) {
    }

    /** A service joins the local stack by one line here (and its jar in bin/llm-mesh's build check). */
    public static final List<Entry> SERVICES = List.of(
            new Entry("tokenizer-service", 8081),
            new Entry("trainer-service", 8082));

    private ServiceCatalog() {
    }
}
