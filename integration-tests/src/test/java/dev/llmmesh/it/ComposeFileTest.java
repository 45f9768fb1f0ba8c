package dev.llmmesh.it;

import dev.llmmesh.mesh.Topics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * There is no Docker engine on the build machines, so docker-compose.yml and the Dockerfile are checked as
 * files: against the modules they build, their configuration keys and {@link Topics}. A rename on either side
 * (a config key, a topic's partitions, a module) fails here instead of in a container that starts and misbehaves.
 */
class ComposeFileTest {
    /**
     * Environment variables read by something other than a service's application.yml, each with its
     * reader. Entries ending in '_' are prefixes.
     */
    private static final Map<String, String> LIBRARY_ENV = Map.of(
            // OpenTelemetry's SDK autoconfiguration reads OTEL_* itself (endpoint, protocol, service name).
            "OTEL_", "OpenTelemetry SDK autoconfigure",
            // DJL reads DJL_CACHE_DIR / DJL_OFFLINE from the environment (ai.djl.util.Utils), not from Micronaut.
            "DJL_", "DJL",
            // The images' entrypoint splits JAVA_OPTS into JVM flags (see the Dockerfile).
            "JAVA_OPTS", "the image entrypoint",
            // micronaut-redis-lettuce's redis.uri; deliberately absent from application.yml, because a
            // service without it runs without Redis (service-kit MeshBeans).
            "REDIS_URI", "micronaut-redis-lettuce");

    private static final Pattern SERVICE_PARENT =
            Pattern.compile("<parent>\\s*<groupId>dev\\.llmmesh</groupId>\\s*<artifactId>services-parent</artifactId>");

    private static final Pattern CREATE_TOPIC =
            Pattern.compile("^\\s*create\\s+(\\S+)\\s+(\\d+)\\s+(\\S+)\\s*$", Pattern.MULTILINE);

    private static Path root;
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    static void load() throws IOException {
        root = Path.of(System.getProperty("llm.mesh.root", "..")).toAbsolutePath().normalize();
        Map<String, Object> compose = yaml(root.resolve("docker-compose.yml"));
        services = new LinkedHashMap<>();
        map(compose, "services", "docker-compose.yml").forEach((name, spec) ->
                services.put(name, map(Map.of(name, spec), name, "services")));
        assertFalse(builtServices().isEmpty(), "docker-compose.yml builds no service");
    }

    @Test
    void everyServiceBuildsFromTheOneDockerfileWithAModuleArgumentNamingAServiceModule() {
        Path dockerfile = root.resolve("Dockerfile");
        for (String service : builtServices()) {
            Map<String, Object> build = map(services.get(service), "build", service);
            Path context = root.resolve(String.valueOf(build.get("context"))).normalize();
            assertEquals(root, context, service + ": the build context must be the repository root (the Dockerfile "
                    + "builds the module inside the reactor), not " + context);
            Path used = context.resolve(String.valueOf(build.getOrDefault("dockerfile", "Dockerfile"))).normalize();
            assertEquals(dockerfile, used, service + ": every service builds from the one Dockerfile at the root");
            String module = module(service);
            assertTrue(serviceModules().contains(module), service + ": build arg MODULE=" + module + " is not a "
                    + "service module (a module of the root pom.xml whose parent is services-parent): "
                    + serviceModules());
        }
    }

    @Test
    void theDockerfileBuildsAndRunsTheJarOfItsModuleArgument() throws IOException {
        String text = Files.readString(root.resolve("Dockerfile"));
        List<String> stages = Pattern.compile("(?m)^FROM ").splitAsStream(text).skip(1).toList();
        assertFalse(stages.isEmpty(), "the Dockerfile has no FROM");
        // An ARG is visible only in the stage that declares it; the build stage and the image both need MODULE.
        for (String stage : stages) {
            assertTrue(Pattern.compile("(?m)^ARG MODULE\\s*$").matcher(stage).find(),
                    "every stage of the Dockerfile must declare 'ARG MODULE' (no default), this one does not: FROM "
                            + stage.lines().findFirst().orElse(""));
        }
        assertTrue(text.contains("-pl \"$MODULE\" -am package"),
                "the Dockerfile does not build the module with '-pl \"$MODULE\" -am package'");
        assertTrue(text.contains("\"$MODULE/target/$MODULE\"-*.jar"),
                "the Dockerfile does not take the shaded jar \"$MODULE/target/$MODULE\"-*.jar that services-parent "
                        + "names");
        // Where a gateway that bundles a web UI puts it; the image copies it when present.
        assertTrue(text.contains("$MODULE/target/web"), "the Dockerfile lost the hook for <module>/target/web");
    }

    @Test
    void everyBuildArgumentIsDeclaredInTheDockerfile() throws IOException {
        Set<String> declared = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^ARG (\\w+)").matcher(Files.readString(root.resolve("Dockerfile")));
        while (m.find()) {
            declared.add(m.group(1));
        }
        for (String service : builtServices()) {
            for (String arg : buildArgs(service).keySet()) {
                assertTrue(declared.contains(arg), service + ": build arg " + arg + " is not declared in the "
                        + "Dockerfile (an undeclared arg is silently ignored); it declares " + declared);
            }
        }
    }

    /** A second, per-module Dockerfile would drift from the one that compose builds. */
    @Test
    void everyServiceModuleIsBuiltByComposeAndHasNoDockerfileOfItsOwn() {
        Set<String> built = new TreeSet<>();
        builtServices().forEach(s -> built.add(module(s)));
        for (String module : serviceModules()) {
            assertTrue(built.contains(module),
                    "service module " + module + " is built by no service in docker-compose.yml");
            assertFalse(Files.exists(root.resolve(module).resolve("Dockerfile")), module + "/Dockerfile exists; "
                    + "every service builds from the Dockerfile at the root with MODULE=" + module);
        }
    }

    @Test
    void everyEnvironmentVariableReachesAConfigKeyOrAKnownLibrary() throws IOException {
        List<String> problems = new ArrayList<>();
        for (String service : builtServices()) {
            Path config = root.resolve(module(service)).resolve("src/main/resources/application.yml");
            Set<String> keys = new TreeSet<>();
            Set<String> placeholders = new TreeSet<>();
            flatten("", yaml(config), keys, placeholders);
            for (String variable : environment(service).keySet()) {
                if (library(variable) == null && !placeholders.contains(variable)
                        && micronautNames(variable).stream().noneMatch(keys::contains)) {
                    problems.add(service + ": " + variable + " is none of " + micronautNames(variable)
                            + " in " + root.relativize(config) + ", no ${" + variable + "} placeholder there, "
                            + "and not a library variable " + LIBRARY_ENV.keySet());
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void publishedHostPortsDoNotClashAndOnlyTheGatewayIsPublishedAmongTheServices() {
        Map<String, String> owners = new HashMap<>();
        for (var service : services.entrySet()) {
            for (Object port : list(service.getValue(), "ports")) {
                String host = hostPort(String.valueOf(port));
                String previous = owners.putIfAbsent(host, service.getKey());
                assertTrue(previous == null,
                        "host port " + host + " is published by both " + previous + " and " + service.getKey());
                if (!service.getKey().equals("gateway")) {
                    assertFalse(builtServices().contains(service.getKey()),
                            service.getKey() + " publishes host port " + host + "; only the gateway is the public door");
                }
            }
        }
    }

    @Test
    void kafkaInitCreatesExactlyTheTopicsOfTopics() {
        Map<String, Object> init = services.get("kafka-init");
        assertTrue(init != null, "docker-compose.yml has no kafka-init service");
        String script = String.join("\n", list(init, "command").stream().map(String::valueOf).toList());
        // The create() helper must pass each column of the table below on to kafka-topics.sh.
        for (String argument : List.of("--topic \"$$1\"", "--partitions \"$$2\"", "cleanup.policy=$$3")) {
            assertTrue(script.contains(argument), "kafka-init's create() does not pass " + argument + " to kafka-topics.sh");
        }
        Map<String, Integer> partitions = new TreeMap<>();
        Set<String> compacted = new TreeSet<>();
        Matcher m = CREATE_TOPIC.matcher(script);
        while (m.find()) {
            assertTrue(partitions.put(m.group(1), Integer.parseInt(m.group(2))) == null,
                    "kafka-init creates " + m.group(1) + " twice");
            String policy = m.group(3);
            assertTrue(policy.equals("delete") || policy.equals("compact"),
                    "kafka-init gives " + m.group(1) + " cleanup policy '" + policy + "', not delete or compact");
            if (policy.equals("compact")) {
                compacted.add(m.group(1));
            }
        }
        assertEquals(new TreeMap<>(Topics.PARTITIONS), partitions,
                "kafka-init's topics and partition counts differ from dev.llmmesh.mesh.Topics.PARTITIONS");
        assertEquals(new TreeSet<>(Topics.COMPACTED), compacted,
                "kafka-init's compacted topics differ from dev.llmmesh.mesh.Topics.COMPACTED");
        assertEquals(services.get("kafka").get("image"), init.get("image"),
                "kafka-init should use the broker's image, so its kafka-topics.sh speaks the broker's version");
        assertEquals("false", String.valueOf(environment("kafka").get("KAFKA_AUTO_CREATE_TOPICS_ENABLE")),
                "the broker must not auto-create topics (they would get one partition)");
    }

    @Test
    void theBrokerImageMatchesTheKafkaClientsVersion() throws IOException {
        Matcher version = Pattern.compile("<kafka\\.version>([^<]+)</kafka\\.version>")
                .matcher(Files.readString(root.resolve("pom.xml")));
        assertTrue(version.find(), "the root pom.xml has no <kafka.version>");
        assertEquals("apache/kafka:" + version.group(1), services.get("kafka").get("image"),
                "the broker image should be the release of the Kafka clients in pom.xml");
    }

    @Test
    void everyApplicationServiceWaitsForAHealthyBrokerAndItsTopics() {
        for (String service : builtServices()) {
            Map<String, Object> dependsOn = map(services.get(service), "depends_on", service);
            for (String dependency : dependsOn.keySet()) {
                assertTrue(services.containsKey(dependency), service + " depends on " + dependency + ", which is no service");
            }
            assertEquals("service_healthy", condition(service, dependsOn, "kafka"),
                    service + " must wait for kafka with condition: service_healthy");
            assertEquals("service_completed_successfully", condition(service, dependsOn, "kafka-init"),
                    service + " must wait for kafka-init with condition: service_completed_successfully");
            assertFalse(list(map(services.get(service), "healthcheck", service), "test").isEmpty(),
                    service + " has no healthcheck test");
        }
    }

    /** {@code --scale inference-service=N} needs replicas that publish no host port and a group to share work. */
    @Test
    void inferenceScalesWithReplicas() {
        Map<String, Object> inference = services.get("inference-service");
        assertTrue(inference != null, "docker-compose.yml has no inference-service");
        Object replicas = map(inference, "deploy", "inference-service").get("replicas");
        assertTrue(replicas instanceof Integer n && n >= 1, "inference-service needs deploy.replicas, got " + replicas);
        assertTrue(list(inference, "ports").isEmpty(), "a published host port would make every replica after the "
                + "first fail to start: " + list(inference, "ports"));
    }

    @Test
    void theGpuProfileReservesAnNvidiaDevice() {
        List<String> gpu = services.keySet().stream().filter(s -> list(services.get(s), "profiles").contains("gpu")).toList();
        assertFalse(gpu.isEmpty(), "no service is in the gpu profile");
        for (String service : gpu) {
            Map<String, Object> reservations = map(map(map(services.get(service), "deploy", service),
                    "resources", service + ".deploy"), "reservations", service + ".deploy.resources");
            List<Object> devices = list(reservations, "devices");
            boolean nvidia = devices.stream().map(d -> (Map<?, ?>) d).anyMatch(d -> "nvidia".equals(d.get("driver"))
                    && d.get("capabilities") instanceof List<?> caps && caps.contains("gpu"));
            assertTrue(nvidia, service + " is in the gpu profile but reserves no device with driver nvidia and capability gpu: " + devices);
        }
    }

    // --- helpers -------------------------------------------------------------------------------------

    /** The environment variable names Micronaut tries for a property: lower case, each '_' a '.' or a '-'. */
    static Set<String> micronautNames(String variable) {
        String[] parts = variable.toLowerCase().split("_");
        Set<String> names = new LinkedHashSet<>();
        for (int mask = 0; mask < 1 << (parts.length - 1); mask++) {
            StringBuilder name = new StringBuilder(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                name.append((mask & 1 << (i - 1)) == 0 ? '.' : '-').append(parts[i]);
            }
            names.add(name.toString());
        }
        return names;
    }

    private static String library(String variable) {
        return LIBRARY_ENV.entrySet().stream()
                .filter(e -> e.getKey().endsWith("_") ? variable.startsWith(e.getKey()) : variable.equals(e.getKey()))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** Dotted keys of every leaf, and the environment variables named in ${...} placeholders of values. */
    private static void flatten(String prefix, Map<String, Object> node, Set<String> keys, Set<String> placeholders) {
        for (var e : node.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> child) {
                @SuppressWarnings("unchecked") Map<String, Object> typed = (Map<String, Object>) child;
                flatten(key, typed, keys, placeholders);
            } else {
                keys.add(key);
                Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)").matcher(String.valueOf(e.getValue()));
                while (m.find()) {
                    placeholders.add(m.group(1));
                }
            }
        }
    }

    private static String hostPort(String mapping) {
        String[] parts = mapping.split(":");
        assertTrue(parts.length >= 2, "port '" + mapping + "' publishes a random host port; give it one");
        return parts[parts.length - 2];
    }

    private static String condition(String service, Map<String, Object> dependsOn, String dependency) {
        return dependsOn.containsKey(dependency)
                ? String.valueOf(map(dependsOn, dependency, service + ".depends_on").get("condition"))
                : "(no dependency)";
    }

    private static List<String> builtServices() {
        return services.keySet().stream().filter(s -> services.get(s).containsKey("build")).toList();
    }

    /** The module a service is built from: its MODULE build argument. */
    private static String module(String service) {
        Object module = buildArgs(service).get("MODULE");
        assertTrue(module != null && !String.valueOf(module).isBlank(),
                service + ": build.args has no MODULE naming the module the Dockerfile builds");
        return String.valueOf(module);
    }

    private static Map<String, Object> buildArgs(String service) {
        return named(map(services.get(service), "build", service), "args", service + ".build");
    }

    /** The modules of the root pom.xml whose pom has services-parent as its parent. */
    private static Set<String> serviceModules() {
        Set<String> modules = new TreeSet<>();
        try {
            Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(root.resolve("pom.xml")));
            while (m.find()) {
                Path pom = root.resolve(m.group(1)).resolve("pom.xml");
                if (Files.isRegularFile(pom) && SERVICE_PARENT.matcher(Files.readString(pom)).find()) {
                    modules.add(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertFalse(modules.isEmpty(), "no module of the root pom.xml has services-parent as its parent");
        return modules;
    }

    private static Map<String, Object> environment(String service) {
        return named(services.get(service), "environment", service);
    }

    /** A mapping that compose also lets one spell as a list of NAME=value (environment, build.args). */
    private static Map<String, Object> named(Map<String, Object> parent, String key, String where) {
        Object value = parent.get(key);
        if (value instanceof List<?> entries) {
            Map<String, Object> named = new LinkedHashMap<>();
            for (Object entry : entries) {
                String[] pair = String.valueOf(entry).split("=", 2);
                named.put(pair[0], pair.length == 2 ? pair[1] : null);
            }
            return named;
        }
        return value == null ? Map.of() : map(parent, key, where);
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " does not exist");
        Object doc = new Yaml().load(Files.readString(file));
        if (!(doc instanceof Map<?, ?>)) {
            fail(file + " is not a YAML mapping");
        }
        @SuppressWarnings("unchecked") Map<String, Object> typed = (Map<String, Object>) doc;
        return typed;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key, String where) {
        Object value = parent.get(key);
        if (!(value instanceof Map<?, ?>)) {
            fail(where + "." + key + " should be a mapping but is " + value);
        }
        @SuppressWarnings("unchecked") Map<String, Object> typed = (Map<String, Object>) value;
        return typed;
    }

    private static List<Object> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> items) {
            return new ArrayList<>(items);
        }
        return List.of(value);
    }
}
