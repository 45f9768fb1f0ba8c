package dev.llmmesh.gateway;

import dev.llmmesh.testkit.MeshInfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** What every gateway HTTP test starts from: the testkit's Kafka and Redis, and an artifact store of its own. */
public final class TestGateways {
    private TestGateways() {
    }

    /** A fresh, empty folder for one test class's artifact store. */
    public static Path artifactsDir() {
        try {
            return Files.createTempDirectory("gateway-artifacts");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mesh's test infrastructure and {@code artifacts} as the store, API keys off unless {@code auth}. */
    public static Map<String, String> properties(Path artifacts, boolean auth) {
        Map<String, String> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", artifacts.toString());
        if (!auth) {
            props.put("llm.auth.enabled", "false");
        }
        return props;
    }
}
