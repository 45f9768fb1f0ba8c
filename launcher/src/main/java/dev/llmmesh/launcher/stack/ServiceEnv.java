package dev.llmmesh.launcher.stack;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The environment contract every llm-mesh service reads (see ARCHITECTURE.md, "Names"). */
public final class ServiceEnv {
    public static final String KAFKA_BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";
    public static final String REDIS_URI = "REDIS_URI";
    public static final String LLM_ARTIFACTS_DIR = "LLM_ARTIFACTS_DIR";
    public static final String MICRONAUT_SERVER_PORT = "MICRONAUT_SERVER_PORT";
    public static final String MICRONAUT_SERVER_HOST = "MICRONAUT_SERVER_HOST";
    public static final String LLM_AUTH_ENABLED = "LLM_AUTH_ENABLED";
    public static final String MICRONAUT_HTTP_SERVICES_TOKENIZER_URL = "MICRONAUT_HTTP_SERVICES_TOKENIZER_URL";
    /**
     * libtorch's switch for 2 MB pages under its large arrays (on hosts where transparent huge pages are
     * "madvise"): streaming the weights once per decode step runs about 10% faster on them (BENCHMARKS.md, decode).
     */
    public static final String THP_MEM_ALLOC_ENABLE = "THP_MEM_ALLOC_ENABLE";

    private ServiceEnv() {
    }

    /**
     * The gateway of the local stack: API keys off, so the demo and curl need no key; in exchange it listens on
     * loopback only, so that a door without a lock is not open to the network.
     */
    static Map<String, String> localGateway(int tokenizerPort) {
        return Map.of(LLM_AUTH_ENABLED, "false",
                MICRONAUT_SERVER_HOST, Ports.LOOPBACK,
                MICRONAUT_HTTP_SERVICES_TOKENIZER_URL, "http://" + Ports.HOST + ":" + tokenizerPort);
    }

    /**
     * @param inherited the launcher's own environment (PATH, HOME, locale stay useful to the service)
     * @param redisUri  empty when no Redis runs: the variable is then removed, not just left unset, because
     *                  a service with REDIS_URI would try to reach a server that is not there
     * @param own       the service's own variables ({@link ServiceCatalog.Entry#env}); they win over inherited ones
     */
    public static Map<String, String> forService(Map<String, String> inherited, DataLayout data, int port,
                                                 Optional<String> redisUri, Map<String, String> own) {
        Map<String, String> env = new HashMap<>(inherited);
        env.remove(REDIS_URI);
        env.putIfAbsent(THP_MEM_ALLOC_ENABLE, "1");
        env.putAll(own);
        env.put(KAFKA_BOOTSTRAP_SERVERS, Ports.KAFKA_BOOTSTRAP);
        env.put(LLM_ARTIFACTS_DIR, data.artifactsDir().toString());
        env.put(MICRONAUT_SERVER_PORT, Integer.toString(port));
        redisUri.ifPresent(uri -> env.put(REDIS_URI, uri));
        return env;
    }
}
