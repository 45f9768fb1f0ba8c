package dev.llmmesh.launcher.stack;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many copies of each service run. Replica 1 keeps the service's own name and port, so a stack of one of each
 * looks as it always did; replica n (n >= 2) is {@code <service>-n} on the service's port + 100 * (n - 1), the way
 * compose numbers its containers, with its own pid file and log.
 *
 * @param counts replicas per service; a service left out runs once
 */
public record Replicas(Map<String, Integer> counts) {
    public static final Replicas ONE_EACH = new Replicas(Map.of());
    /** 9 keeps every replica port below 9000, clear of Kafka's 9092 and 9093. */
    public static final int MAX = 9;
    static final int PORT_STEP = 100;
    private static final Pattern SPEC = Pattern.compile("([a-z0-9-]+)=(\\d+)");
    private static final Pattern REPLICA_NAME = Pattern.compile("(.+)-(\\d+)");

    public Replicas {
        counts = Map.copyOf(new TreeMap<>(counts));
        counts.forEach((service, n) -> check(service, n));
    }

    /** {@code ["tokenizer-service=2", ...]}, as {@code --replicas} takes them. */
    public static Replicas parse(Collection<String> specs) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String spec : specs) {
            Matcher m = SPEC.matcher(spec.strip());
            if (!m.matches()) {
                throw new StackException("--replicas takes SERVICE=COUNT, e.g. tokenizer-service=2; got '" + spec + "'");
            }
            counts.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return new Replicas(counts);
    }

    private static void check(String service, int n) {
        ServiceCatalog.Entry entry = ServiceCatalog.find(service).orElseThrow(() -> new StackException(
                "--replicas: no service '" + service + "'; services that can run replicas: " + scalableNames()));
        if (n < 1 || n > MAX) {
            throw new StackException("--replicas " + service + "=" + n + ": the count must be 1 to " + MAX
                    + " (`down` stops a service altogether)");
        }
        if (n > 1 && !entry.scalable()) {
            throw new StackException("--replicas: " + service + " runs once, on :" + entry.port() + ", as the stack's "
                    + "single address; services that can run replicas: " + scalableNames());
        }
    }

    private static String scalableNames() {
        return String.join(", ", ServiceCatalog.SERVICES.stream().filter(ServiceCatalog.Entry::scalable)
                .map(ServiceCatalog.Entry::name).toList());
    }

    public int count(String service) {
        return counts.getOrDefault(service, 1);
    }

    /** These counts, with {@code changes} replacing the counts of the services they name. */
    public Replicas with(Replicas changes) {
        Map<String, Integer> merged = new TreeMap<>(counts);
        merged.putAll(changes.counts);
        merged.values().removeIf(n -> n == 1);
        return new Replicas(merged);
    }

    /** Only the services that run more than once: "tokenizer-service=2". */
    public List<String> specs() {
        return counts.entrySet().stream().filter(e -> e.getValue() != 1).map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** @param n 1-based */
    public static String name(String service, int n) {
        return n == 1 ? service : service + "-" + n;
    }

    /** @param n 1-based */
    public static int port(int basePort, int n) {
        return basePort + PORT_STEP * (n - 1);
    }

    /** The service a replica name such as {@code tokenizer-service-2} belongs to, if it is one. */
    public static Optional<String> serviceOf(String replicaName) {
        Matcher m = REPLICA_NAME.matcher(replicaName);
        if (m.matches() && ServiceCatalog.find(m.group(1)).isPresent() && Integer.parseInt(m.group(2)) >= 2) {
            return Optional.of(m.group(1));
        }
        return Optional.empty();
    }
}
