package dev.llmmesh.inference;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

@Factory
class InferenceBeans {
    @Singleton
    InferenceSettings settings(@Value("${llm.inference.models:}") List<String> models,
                               @Value("${llm.inference.consumer-group:inference}") String group,
                               @Value("${llm.inference.max-sequences:8}") int maxSequences,
                               @Value("${llm.inference.capacity:0}") int capacity,
                               @Value("${llm.inference.chunk-tokens:4}") int chunkTokens,
                               @Value("${llm.inference.chunk-interval:50ms}") Duration chunkInterval,
                               @Value("${llm.inference.replica:}") String replica) {
        Set<String> ids = models.stream().map(String::strip).filter(s -> !s.isEmpty())
                .collect(java.util.stream.Collectors.toSet());
        return new InferenceSettings(ids, group, maxSequences, capacity, chunkTokens, chunkInterval,
                replica.isBlank() ? defaultReplica() : replica);
    }

    /** Host name (the container's, under compose) plus a suffix: two replicas in one JVM or host stay apart. */
    private static String defaultReplica() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "inference";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 6);
    }
}
