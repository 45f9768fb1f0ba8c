package dev.llmmesh.launcher.stack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which components make up the local stack on this machine, in start order (Redis, Kafka, services, each
 * service's replicas together), and what the user should know about it (Redis missing, API keys off).
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
        return of(home, data, java, redisServer, env, Replicas.ONE_EACH);
    }

    public static StackPlan of(Path home, DataLayout data, Path java, Optional<Path> redisServer,
                               Map<String, String> env, Replicas replicas) {
        List<Component> components = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        redisServer.ifPresentOrElse(
                exe -> components.add(new RedisServer(exe, data, env)),
                () -> notes.add("redis-server is not installed: services run with their Redis cache off "
                        + "(install it with `apt-get install -y redis-server` to turn it on)"));
        Optional<String> redisUri = redisServer.map(exe -> Ports.REDIS_URI);
        components.add(new KafkaBroker(java, home.resolve("local-kafka").resolve("target").resolve("lib"), data, env));
        for (ServiceCatalog.Entry service : ServiceCatalog.SERVICES) {
            for (int n = 1; n <= replicas.count(service.name()); n++) {
                int port = Replicas.port(service.port(), n);
                components.add(new MicronautService(Replicas.name(service.name(), n), service.name(), port, home, data,
                        java, ServiceEnv.forService(env, data, port, redisUri, service.env())));
            }
        }
        ServiceCatalog.Entry gateway = ServiceCatalog.GATEWAY;
        notes.add("the gateway on http://%s:%d has API keys off (%s=false) and listens on loopback only; "
                .formatted(Ports.HOST, gateway.port(), ServiceEnv.LLM_AUTH_ENABLED)
                + "compose keeps them on");
        if (replicas.count(ServiceCatalog.TOKENIZER.name()) > 1) {
            notes.add("the gateway proxies tokenize/detokenize to " + ServiceCatalog.TOKENIZER.name() + " on :"
                    + ServiceCatalog.TOKENIZER.port() + " only; every replica takes its share of the jobs");
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
