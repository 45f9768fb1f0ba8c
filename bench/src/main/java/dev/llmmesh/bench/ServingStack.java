package dev.llmmesh.bench;

import ai.djl.Device;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaBroker;
import dev.llmmesh.testkit.RedisServer;
import dev.llmmesh.testkit.ServiceJvm;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * Everything the serving path needs, started by the benchmark and stopped by {@link #close()} in reverse order:
 * redis-server (when installed), a real Kafka broker in this JVM, the mesh topics, a seeded random-weights model in a
 * temporary artifact store announced on {@code llm.models}, and inference-service and the gateway as child JVMs.
 * A shutdown hook closes it too, so an interrupted run leaves no process behind.
 */
final class ServingStack implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    /** What to start: the model, and how inference-service should run. */
    record Settings(String modelId, GptConfig config, long seed, Path repoRoot, Map<String, String> inferenceEnv,
                    List<String> serviceSystemArgs) {
    }

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Thread closeOnExit = new Thread(this::closeAll, "serve-latency-cleanup");
    private Path workDir;
    private Path modelDir;
    private String kafkaBootstrap;
    private ServiceJvm inference;
    private ServiceJvm gateway;
    private boolean closed;

    private ServingStack() {
        Runtime.getRuntime().addShutdownHook(closeOnExit);
    }

    static ServingStack start(Settings settings, HttpClient http) throws Exception {
        ServingStack stack = new ServingStack();
        try {
            stack.boot(settings, http);
            return stack;
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    /** Where the model's {@code model.safetensors} and {@code config.json} are. */
    Path modelDir() {
        return modelDir;
    }

    String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    ServiceJvm gateway() {
        return gateway;
    }

    ServiceJvm inference() {
        return inference;
    }

    private void boot(Settings settings, HttpClient http) throws Exception {
        workDir = Files.createTempDirectory("serve-latency-");
        started.push(() -> deleteRecursively(workDir));
        Path artifacts = Files.createDirectories(workDir.resolve("artifacts"));
        Path logs = Files.createDirectories(workDir.resolve("logs"));

        String redisUri = null;
        long t0 = System.nanoTime();
        try {
            RedisServer redis = RedisServer.start();
            started.push(redis);
            redisUri = redis.uri();
        } catch (RuntimeException e) {
            // The services run without Redis (no shared KV prefixes); the prompts here are shorter than one
            // prefix block anyway, so nothing measured depends on it.
            System.out.println("redis-server not started (" + e.getMessage() + "); the services run without Redis");
        }
        long t1 = System.nanoTime();
        KafkaBroker kafka = KafkaBroker.start();
        started.push(kafka);
        kafkaBootstrap = kafka.bootstrapServers();
        long t2 = System.nanoTime();
        System.out.printf("infrastructure: redis %s (%d ms), Kafka %s in this JVM (%d ms); work dir %s%n",
                redisUri == null ? "none" : redisUri, (t1 - t0) / 1_000_000, kafka.bootstrapServers(),
                (t2 - t1) / 1_000_000, workDir);
        createMeshTopics(kafka.bootstrapServers());

        String artifact = ArtifactKeys.modelDir(settings.modelId());
        modelDir = artifacts.resolve(artifact);
        try (GptModel model = GptModel.initialize(settings.config(), Device.cpu(), settings.seed())) {
            GptCheckpoint.save(model, modelDir);
            announce(kafka.bootstrapServers(), settings.modelId(), model, artifact);
        }

        Map<String, String> common = new HashMap<>();
        common.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        common.put("LLM_ARTIFACTS_DIR", artifacts.toString());
        if (redisUri != null) {
            common.put("REDIS_URI", redisUri);
        } else {
            common.put("LLM_INFERENCE_KV_PREFIX_ENABLED", "false");
        }
        Map<String, String> inferenceEnv = new HashMap<>(common);
        inferenceEnv.putAll(settings.inferenceEnv());
        Map<String, String> gatewayEnv = new HashMap<>(common);
        gatewayEnv.put("LLM_AUTH_ENABLED", "false");

        // Both boot side by side (each takes seconds of JIT and Kafka joins on two cores).
        inference = ServiceJvm.start("inference-service",
                settings.repoRoot().resolve("inference-service/target/inference-service-0.1.0.jar"), inferenceEnv,
                settings.serviceSystemArgs(), logs, "inference-service");
        started.push(inference);
        gateway = ServiceJvm.start("gateway", settings.repoRoot().resolve("gateway/target/gateway-0.1.0.jar"),
                gatewayEnv, List.of(), logs, "gateway");
        started.push(gateway);
        long t3 = System.nanoTime();
        inference.awaitHealthy(http, START_TIMEOUT);
        gateway.awaitHealthy(http, START_TIMEOUT);
        System.out.printf("inference-service %s and gateway %s healthy after %.1f s (logs in %s)%n",
                inference.baseUrl(), gateway.baseUrl(), (System.nanoTime() - t3) / 1e9, logs);
    }

    /**
     * Every mesh topic with its partition count, the registry compacted, as service-kit creates them: created here
     * first so the model can be announced before the services start, as a trainer would have done long before.
     */
    private static void createMeshTopics(String bootstrap) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> topics = Topics.PARTITIONS.entrySet().stream().map(e -> {
                var topic = new NewTopic(e.getKey(), e.getValue(), (short) 1);
                return Topics.COMPACTED.contains(e.getKey()) ? topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_COMPACT)) : topic;
            }).toList();
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
        }
    }

    /** The record a trainer publishes for a finished model: key = model id, GPT-2's built-in tokenizer. */
    private static void announce(String bootstrap, String modelId, GptModel model, String artifact)
            throws InterruptedException, ExecutionException {
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(model.config(), Map.class);
        var announcement = ModelAnnouncement.base(modelId, shape, TokenizerRegistry.GPT2, artifact,
                "serve-latency-bench",
                Map.of("parameters", (double) model.parameterCount()), Instant.now());
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.MODELS, modelId, Json.bytes(announcement))).get();
        }
    }

    /** Stops the services, then the broker and redis-server, then deletes the work dir; safe to call twice. */
    @Override
    public void close() {
        closeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(closeOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already exiting; the hook does the same.
        }
    }

    private synchronized void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        // Each one on its own: a service that fails to stop must not leave the broker or redis running.
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("serve-latency: stopping failed: " + e);
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
