package dev.llmmesh.servicekit.telemetry;

import io.micronaut.context.annotation.Factory;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import jakarta.inject.Singleton;

/**
 * OpenTelemetry's own kafka-clients instrumentation, bound to the service's SDK (not the global one, so
 * several application contexts in one test JVM each export to their own endpoint).
 */
@Factory
class KafkaTracing {
    @Singleton
    KafkaTelemetry kafkaTelemetry(OpenTelemetry openTelemetry) {
        return KafkaTelemetry.create(openTelemetry);
    }
}
