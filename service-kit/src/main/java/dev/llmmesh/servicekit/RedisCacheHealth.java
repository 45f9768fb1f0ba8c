package dev.llmmesh.servicekit;

import dev.llmmesh.mesh.CircuitBreaker;
import dev.llmmesh.mesh.GuardedRedis;
import io.micronaut.configuration.lettuce.health.RedisHealthIndicator;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * The {@code redis} entry of {@code /health}, in place of micronaut-redis-lettuce's, which says DOWN (HTTP 503) when
 * Redis is: every service serves without Redis, which only caches, so it is {@link #DEGRADED} (HTTP 200) then, with
 * the error and the next try in the details. The check is a PING through {@link GuardedRedis}, so it waits the
 * short command timeout at most, and none while Redis is being skipped.
 */
@Singleton
@Replaces(RedisHealthIndicator.class)
class RedisCacheHealth implements HealthIndicator {
    /**
     * Working, without a cache. Operational is left unset, not true: Micronaut ranks statuses by operational first,
     * so with true it would tie with UP and the overall status would be whichever indicator came last; unset ranks
     * it above UP and below DOWN, and /health still answers 200 for it.
     */
    static final HealthStatus DEGRADED = new HealthStatus("DEGRADED",
            "working without a dependency that only speeds it up", null, 500);

    private final Optional<GuardedRedis> redis;
    private final ExecutorService blocking;

    RedisCacheHealth(Optional<GuardedRedis> redis, @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
        this.redis = redis;
        this.blocking = blocking;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        if (redis.isEmpty()) {
            return Publishers.just(HealthResult.builder("redis", HealthStatus.UP)
                    .details(Map.of("configured", false, "message", "REDIS_URI is not set: caches are off"))
                    .build());
        }
        GuardedRedis guarded = redis.get();
        return Publishers.fromCompletableFuture(CompletableFuture.supplyAsync(() -> check(guarded), blocking));
    }

    private static HealthResult check(GuardedRedis redis) {
        boolean answered = redis.ping();
        CircuitBreaker.Status status = redis.status();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("address", redis.address());
        if (answered) {
            return HealthResult.builder("redis", HealthStatus.UP).details(details).build();
        }
        details.put("message", "Redis is unreachable: caches are skipped and work goes on without them "
                + "(slower: token shards from the artifact store, prompts prefilled in full, requests not counted "
                + "against rate limits)");
        if (status.lastError() != null) {
            details.put("error", status.lastError());
        }
        if (status.failingSince() != null) {
            details.put("failingSince", status.failingSince().toString());
        }
        if (status.nextProbe() != null) {
            details.put("nextTry", status.nextProbe().toString());
        }
        return HealthResult.builder("redis", DEGRADED).details(details).build();
    }
}
