package dev.llmmesh.launcher.stack;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The services the launcher runs, in start order, with their ports from ARCHITECTURE.md. */
public final class ServiceCatalog {
    /**
     * @param env      what this service needs beyond the shared contract of {@link ServiceEnv}
     * @param scalable whether {@code --replicas} may run more than one: a Kafka consumer shares its topics' partitions
     *                 with its replicas, but the gateway is the stack's single address and has nobody in front of it
     *                 to spread requests over replicas
     */
    public record Entry(String name, int port, Map<String, String> env, boolean scalable) {
        public Entry {
            env = Map.copyOf(env);
        }
    }

    public static final Entry TOKENIZER = new Entry("tokenizer-service", 8081, Map.of(), true);
    public static final Entry TRAINER = new Entry("trainer-service", 8082, Map.of(), true);
    /** Replicas share llm.inference.requests in group "inference": `up --replicas inference-service=4`. */
    public static final Entry INFERENCE = new Entry("inference-service", 8083, Map.of(), true);
    /** Scores through inference-service over Kafka; replicas share llm.eval.jobs in group "eval". */
    public static final Entry EVAL = new Entry("eval-service", 8084, Map.of(), true);
    /** Last: it proxies tokenizer-service, so it starts once that answers. */
    public static final Entry GATEWAY = new Entry("gateway", 8080, ServiceEnv.localGateway(TOKENIZER.port()), false);

    /** A service joins the local stack by one line here (and its jar in bin/llm-mesh's build check). */
    public static final List<Entry> SERVICES = List.of(TOKENIZER, TRAINER, INFERENCE, EVAL, GATEWAY);

    private ServiceCatalog() {
    }

    public static Optional<Entry> find(String name) {
        return SERVICES.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
