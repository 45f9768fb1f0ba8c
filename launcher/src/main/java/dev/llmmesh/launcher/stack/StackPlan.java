package dev.llmmesh.launcher.stack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which components make up the local stack on this machine, in start order (Redis, Kafka, services),
 * and what the user should know about it (Redis missing).
 */
public record StackPlan(List<Component> components, Optional<String> redisUri, List<String> notes) {
    public StackPlan {
        components = List.copyOf(components);
        notes = List.copyOf(notes);
    }

    /**
     * @param redisServer the {@code redis-server} executable, if installed; without it the services run with
     *                    their Redis cache off (they fall back to the artifact store)
     */
    public static StackPlan of(Path home, DataLayout data, Path java, Optional<Path> redisServer,
                               Map<String, String> env) {
        List<Component> components = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        redisServer.ifPresentOrElse(
                exe -> components.add(new RedisServer(exe, data, env)),
                () -> notes.add("redis-server is not installed: services run with their Redis cache off "
                        + "(install it with `apt-get install -y redis-server` to turn it on)"));
        Optional<String> redisUri = redisServer.map(exe -> Ports.REDIS_URI);
        components.add(new KafkaBroker(java, home.resolve("local-kafka").resolve("target").resolve("lib"), data, env));
        for (ServiceCatalog.Entry service : ServiceCatalog.SERVICES) {
            components.add(new MicronautService(service.name(), service.port(), home, data, java,
                    ServiceEnv.forService(env, data, service.port(), redisUri)));
        }
        return new StackPlan(components, redisUri, notes);
    }

    public Optional<Component> component(String name) {
        return components.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** Services stop before Kafka (so they leave their consumer groups cleanly) and Kafka before Redis. */
    public List<Component> stopOrder() {
        return components.reversed();
    }
}
