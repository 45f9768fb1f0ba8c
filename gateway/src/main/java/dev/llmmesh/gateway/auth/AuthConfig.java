package dev.llmmesh.gateway.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * {@code llm.auth.*}: whether API keys are required, which ones ({@link ApiKeys} describes the format)
 * and how many requests a key may make per minute.
 */
@ConfigurationProperties("llm.auth")
public record AuthConfig(
        @Bindable(defaultValue = "true") boolean enabled,
        @Nullable String apiKeys,
        RateLimit rateLimit) {

    /**
     * {@code llm.auth.rate-limit.*}: {@code requests-per-minute} per key (0 switches limits off) and how
     * long to wait for Redis before letting a request through uncounted.
     */
    @ConfigurationProperties("rate-limit")
    public record RateLimit(
            @Bindable(defaultValue = "600") int requestsPerMinute,
            @Bindable(defaultValue = "500ms") Duration redisTimeout) {
    }
}
