package dev.llmmesh.launcher.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplicasTest {
    private static final Path JAVA = Path.of("/jdk/bin/java");

    @TempDir
    Path home;

    @Test
    void eachReplicaHasItsOwnNamePortPidFileLogAndJar() {
        var plan = StackPlan.of(home, data(), JAVA, Optional.empty(), Map.of(),
                Replicas.parse(List.of("tokenizer-service=3")));
        assertEquals(List.of("kafka", "tokenizer-service", "tokenizer-service-2", "tokenizer-service-3",
                "trainer-service", "inference-service", "eval-service", "gateway"), plan.components().stream().map(Component::name).toList());
        assertEquals(List.of(8081, 8181, 8281), List.of(port(plan, "tokenizer-service"),
                port(plan, "tokenizer-service-2"), port(plan, "tokenizer-service-3")));
        var second = (MicronautService) plan.component("tokenizer-service-2").orElseThrow();
        assertEquals("tokenizer-service", second.module(), "a replica runs the service's own jar");
        assertEquals("8181", second.env().get(ServiceEnv.MICRONAUT_SERVER_PORT));
        assertEquals(data().runDir().resolve("tokenizer-service-2.jar").toString(),
                second.processSpec().command().getLast());
        assertEquals(data().pidsDir().resolve("tokenizer-service-2.pid"), data().pidFile(second.name()).path());
        assertEquals(data().logsDir().resolve("tokenizer-service-2.log"), data().logFile(second.name()));
        var gateway = (MicronautService) plan.component("gateway").orElseThrow();
        assertEquals("http://localhost:8081", gateway.env().get(ServiceEnv.MICRONAUT_HTTP_SERVICES_TOKENIZER_URL));
        assertTrue(plan.notes().stream().anyMatch(n -> n.contains("proxies tokenize/detokenize")), plan.notes().toString());
    }

    @Test
    void aReplicaFindsTheServicesJar() throws IOException {
        Path jar = home.resolve("tokenizer-service/target/tokenizer-service-0.1.0.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "jar");
        var plan = StackPlan.of(home, data(), JAVA, Optional.empty(), Map.of(),
                Replicas.parse(List.of("tokenizer-service=2")));
        plan.component("tokenizer-service-2").orElseThrow().prepare(System.out);
        assertEquals("jar", Files.readString(data().runDir().resolve("tokenizer-service-2.jar")));
    }

    @Test
    void badCountsAreRefusedWithWhatIsAllowed() {
        assertTrue(assertThrows(StackException.class, () -> Replicas.parse(List.of("tokenizer-service")))
                .getMessage().contains("SERVICE=COUNT"));
        assertTrue(assertThrows(StackException.class, () -> Replicas.parse(List.of("kafka=2")))
                .getMessage().contains("tokenizer-service, trainer-service"));
        assertTrue(assertThrows(StackException.class, () -> Replicas.parse(List.of("gateway=2")))
                .getMessage().contains("single address"));
        assertThrows(StackException.class, () -> Replicas.parse(List.of("trainer-service=0")));
        assertThrows(StackException.class, () -> Replicas.parse(List.of("trainer-service=10")));
        assertEquals(1, Replicas.parse(List.of("gateway=1")).count("gateway"), "one gateway is fine to ask for");
    }

    @Test
    void newCountsReplaceOldOnesAndOneMeansBackToNormal() {
        Replicas two = Replicas.parse(List.of("tokenizer-service=2", "trainer-service=3"));
        Replicas changed = two.with(Replicas.parse(List.of("tokenizer-service=1")));
        assertEquals(1, changed.count("tokenizer-service"));
        assertEquals(3, changed.count("trainer-service"));
        assertEquals(List.of("trainer-service=3"), changed.specs());
    }

    @Test
    void theCountsAreKeptUntilDown() throws IOException {
        ReplicaFile file = data().replicaFile();
        assertEquals(Replicas.ONE_EACH, file.read());
        file.write(Replicas.parse(List.of("tokenizer-service=2")));
        assertEquals(2, file.read().count("tokenizer-service"));
        file.write(Replicas.ONE_EACH);
        assertFalse(Files.exists(file.path()), "one of each needs no file");
    }

    @Test
    void replicaNamesAreRecognisedOnlyForServices() {
        assertEquals(Optional.of("tokenizer-service"), Replicas.serviceOf("tokenizer-service-2"));
        assertEquals(Optional.empty(), Replicas.serviceOf("tokenizer-service"));
        assertEquals(Optional.empty(), Replicas.serviceOf("tokenizer-service-1"));
        assertEquals(Optional.empty(), Replicas.serviceOf("kafka-2"));
    }

    /** A real process stands in for a replica that the plan no longer has; down must still stop it. */
    @Test
    void downStopsReplicasThePlanNoLongerHas() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            data().pidFile("tokenizer-service-3").write(sleeper.toHandle());
            data().replicaFile().write(Replicas.parse(List.of("tokenizer-service=3")));
            var plan = StackPlan.of(home, data(), JAVA, Optional.empty(), Map.of(),
                    Replicas.parse(List.of("tokenizer-service=2")));
            var stack = new Stack(plan, data(), new BackgroundProcesses(Optional.empty()), new HealthWait(), System.out);
            assertEquals(List.of("tokenizer-service-3"), stack.unplannedReplicas());
            assertTrue(stack.down());
            assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS), "the surplus replica was stopped");
            assertFalse(Files.exists(data().pidFile("tokenizer-service-3").path()));
            assertFalse(Files.exists(data().replicaFile().path()), "down forgets the counts");
        } finally {
            new BackgroundProcesses(Optional.empty()).stop(sleeper.toHandle(), Duration.ofSeconds(1));
        }
    }

    private static int port(StackPlan plan, String name) {
        return plan.component(name).orElseThrow().port();
    }

    private DataLayout data() {
        return new DataLayout(home.resolve(".data"));
    }
}
