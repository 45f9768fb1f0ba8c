package dev.llmmesh.gateway.auth;

import dev.llmmesh.mesh.GuardedRedis;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Turns {@link AuthConfig} into the filter's parts, and refuses to start on a configuration that cannot work. */
@Factory
class AuthBeans {
    private static final Logger LOG = LoggerFactory.getLogger(AuthBeans.class);

    /** Eager ({@code @Context}): a bad LLM_API_KEYS must stop the gateway at startup, not at the first request. */
    @Context
    @Singleton
    KeyMatcher keyMatcher(AuthConfig config) {
        if (!config.enabled()) {
            LOG.warn("API keys are off (LLM_AUTH_ENABLED=false): anyone who can reach the gateway can use all of it");
            return new KeyMatcher(List.of());
        }
        List<ApiKey> keys = ApiKeys.parse(config.apiKeys());
        if (keys.isEmpty()) {
            throw new ApiKeyConfigException("API keys are on but none are configured: set LLM_API_KEYS to "
                    + "name:sha256hex[:scope+scope] entries (sha256hex from: printf %s \"$KEY\" | sha256sum), "
                    + "or set LLM_AUTH_ENABLED=false to run without keys (local demo only)");
        }
        LOG.info("API keys on: {}", keys.stream().map(k -> k.name() + " " + k.scopes().stream().map(Scope::configName)
                .sorted().collect(Collectors.joining("+"))).collect(Collectors.joining(", ")));
        return new KeyMatcher(keys);
    }

    @Singleton
    ScopePolicy scopePolicy() {
        return new ScopePolicy();
    }

    /** Eager too, so its warnings (no Redis, limits off) come at startup. */
    @Context
    RateLimiter rateLimiter(AuthConfig config, Optional<GuardedRedis> redis) {
        int perMinute = config.rateLimit().requestsPerMinute();
        if (perMinute < 0) {
            throw new ApiKeyConfigException("llm.auth.rate-limit.requests-per-minute is " + perMinute
                    + "; give a number of requests per key and minute, or 0 for no limit");
        }
        if (!config.enabled()) {
            return RateLimiter.OFF; // limits are per key, and without auth there are no keys
        }
        if (perMinute == 0) {
            LOG.warn("Rate limits are off (llm.auth.rate-limit.requests-per-minute=0)");
            return RateLimiter.OFF;
        }
        if (redis.isEmpty()) {
            LOG.warn("REDIS_URI is not set: rate limits are off, API keys may make any number of requests");
            return RateLimiter.OFF;
        }
        LOG.info("Rate limit: {} requests per minute per API key, counted in Redis", perMinute);
        return new RedisRateLimiter(redis.get(), perMinute, config.rateLimit().redisTimeout(), Clock.systemUTC());
    }
}
