package dev.llmmesh.launcher.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StackPlanTest {
    private static final Path JAVA = Path.of("/jdk/bin/java");

    @TempDir
    Path home;

    @Test
    void startsRedisThenKafkaThenServicesAndStopsInReverse() {
        var plan = StackPlan.of(home, data(), JAVA, Optional.of(Path.of("/usr/bin/redis-server")), Map.of());
        assertEquals(List.of("redis", "kafka", "tokenizer-service", "trainer-service", "inference-service", "eval-service", "gateway"),
                names(plan.components()), "the gateway starts once the services it proxies answer");
        assertEquals(List.of("gateway", "eval-service", "inference-service", "trainer-service", "tokenizer-service", "kafka", "redis"), names(plan.stopOrder()));
        assertEquals(1, plan.notes().size(), plan.notes().toString());
        assertTrue(plan.notes().getFirst().contains("API keys off"), plan.notes().getFirst());
    }

    @Test
    void theGatewayRunsWithoutApiKeysOnLoopbackAndFindsTheTokenizer() {
        var plan = StackPlan.of(home, data(), JAVA, Optional.empty(), Map.of("LLM_AUTH_ENABLED", "true"));
        var gateway = (MicronautService) plan.component("gateway").orElseThrow();
        assertEquals(8080, gateway.port());
        assertEquals("false", gateway.env().get(ServiceEnv.LLM_AUTH_ENABLED), "the shell's setting does not win");
        assertEquals("127.0.0.1", gateway.env().get(ServiceEnv.MICRONAUT_SERVER_HOST));
        assertEquals("http://localhost:8081", gateway.env().get(ServiceEnv.MICRONAUT_HTTP_SERVICES_TOKENIZER_URL));
        assertEquals("8080", gateway.env().get(ServiceEnv.MICRONAUT_SERVER_PORT));
        assertEquals(data().artifactsDir().toString(), gateway.env().get(ServiceEnv.LLM_ARTIFACTS_DIR),
                "uploads land where the services read datasets");
        assertFalse(service(plan).env().containsKey(ServiceEnv.MICRONAUT_SERVER_HOST), "the gateway's own variables");
    }

    @Test
    void servicesGetTheEnvironmentContract() throws IOException {
        Path jar = fakeJar("tokenizer-service-0.1.0.jar");
        var plan = StackPlan.of(home, data(), JAVA, Optional.of(Path.of("/usr/bin/redis-server")),
                Map.of("PATH", "/usr/bin"));
        Map<String, String> env = service(plan).env();
        assertEquals("localhost:9092", env.get(ServiceEnv.KAFKA_BOOTSTRAP_SERVERS));
        assertEquals("redis://localhost:6379", env.get(ServiceEnv.REDIS_URI));
        assertEquals(data().artifactsDir().toString(), env.get(ServiceEnv.LLM_ARTIFACTS_DIR));
        assertEquals("8081", env.get(ServiceEnv.MICRONAUT_SERVER_PORT));
        assertEquals("/usr/bin", env.get("PATH"), "the rest of the environment is inherited");
        assertEquals(env, service(plan).processSpec().env(), "what is planned is what the process gets");
        List<String> command = service(plan).processSpec().command();
        assertEquals(JAVA.toString(), command.getFirst());
        assertEquals(List.of("-jar", data().runDir().resolve("tokenizer-service.jar").toString()),
                command.subList(command.size() - 2, command.size()), "runs a snapshot, so a rebuild cannot pull the jar away");
        service(plan).prepare(System.out);
        assertTrue(Files.isRegularFile(data().runDir().resolve("tokenizer-service.jar")));
        assertTrue(jar.toFile().exists());
    }

    @Test
    void eachServiceGetsItsOwnPortFromTheCatalog() {
        var plan = StackPlan.of(home, data(), JAVA, Optional.empty(), Map.of());
        var trainer = (MicronautService) plan.component("trainer-service").orElseThrow();
        assertEquals(8082, trainer.port());
        assertEquals("8082", trainer.env().get(ServiceEnv.MICRONAUT_SERVER_PORT));
        assertEquals(data().artifactsDir().toString(), trainer.env().get(ServiceEnv.LLM_ARTIFACTS_DIR),
                "the trainer reads the tokenizer's shards and tokenizers from the same artifact store");
    }

    @Test
    void theShadePluginsOriginalJarIsNotTheServiceJar() throws IOException {
        fakeJar("original-tokenizer-service-0.1.0.jar");
        var plan = StackPlan.of(home, data(), JAVA, Optional.empty(), Map.of());
        assertTrue(service(plan).jar().isEmpty());
        var e = assertThrows(StackException.class, () -> service(plan).prepare(System.out));
        assertTrue(e.getMessage().contains("mvn -B -DskipTests package"), e.getMessage());
    }

    private Path fakeJar(String name) throws IOException {
        Path jar = home.resolve("tokenizer-service/target").resolve(name);
        Files.createDirectories(jar.getParent());
        Files.write(jar, new byte[0]);
        return jar;
    }

    @Test
    void withoutRedisThereIsNoRedisComponentNoRedisUriAndANote() {
        // A REDIS_URI left in the user's shell must not switch on a cache that has no server.
        var plan = StackPlan.of(home, data(), JAVA, Optional.empty(), Map.of("REDIS_URI", "redis://elsewhere:6379"));
        assertEquals(List.of("kafka", "tokenizer-service", "trainer-service", "inference-service", "eval-service", "gateway"), names(plan.components()));
        assertFalse(service(plan).env().containsKey(ServiceEnv.REDIS_URI));
        assertFalse(((MicronautService) plan.component("gateway").orElseThrow()).env().containsKey(ServiceEnv.REDIS_URI));
        assertTrue(plan.redisUri().isEmpty());
        assertTrue(plan.notes().getFirst().contains("Redis cache off"), plan.notes().getFirst());
    }

    @Test
    void kafkaRunsFromTheLocalKafkaClasspathWithItsOwnConfig() {
        var plan = StackPlan.of(home, data(), JAVA, Optional.empty(), Map.of());
        List<String> command = plan.component("kafka").orElseThrow().processSpec().command();
        assertEquals(JAVA.toString(), command.getFirst());
        assertTrue(command.contains(home.resolve("local-kafka/target/lib") + "/*"), command.toString());
        assertTrue(command.contains("kafka.Kafka"), command.toString());
        assertEquals(data().kafkaDir().resolve("server.properties").toString(), command.getLast());
    }

    @Test
    void serverPropertiesDescribeOneCombinedNodeWithItsLogsInTheDataDirectory() {
        String properties = KafkaConfig.serverProperties(data().kafkaLogDir());
        assertTrue(properties.contains("process.roles=broker,controller"));
        assertTrue(properties.contains("listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093"));
        assertTrue(properties.contains("controller.quorum.bootstrap.servers=localhost:9093"));
        assertTrue(properties.contains("log.dirs=" + data().kafkaLogDir()));
        assertFalse(properties.contains("controller.quorum.voters"), "--standalone formatting forbids static voters");
    }

    private DataLayout data() {
        return new DataLayout(home.resolve(".data"));
    }

    private static MicronautService service(StackPlan plan) {
        return (MicronautService) plan.component("tokenizer-service").orElseThrow();
    }

    private static List<String> names(List<Component> components) {
        return components.stream().map(Component::name).toList();
    }
}
