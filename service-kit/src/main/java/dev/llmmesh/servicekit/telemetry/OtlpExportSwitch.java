package dev.llmmesh.servicekit.telemetry;

import io.micronaut.context.env.Environment;
import io.micronaut.tracing.opentelemetry.OpenTelemetryBuilderCustomizer;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import jakarta.inject.Singleton;

import java.util.Map;

/**
 * Exports traces over OTLP exactly when an endpoint is configured ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or
 * {@code otel.exporter.otlp[.traces].endpoint}). micronaut-tracing's default exporter is "none", and the SDK's
 * OTLP default would be localhost:4318, which on a machine without Jaeger logs an export error every few
 * seconds. An explicit {@code otel.traces.exporter} ({@code OTEL_TRACES_EXPORTER}) always wins.
 */
@Singleton
class OtlpExportSwitch implements OpenTelemetryBuilderCustomizer {
    static final String TRACES_EXPORTER = "otel.traces.exporter";
    private static final String[] ENDPOINTS = {"otel.exporter.otlp.endpoint", "otel.exporter.otlp.traces.endpoint"};

    private final Environment environment;

    OtlpExportSwitch(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void configure(AutoConfiguredOpenTelemetrySdkBuilder builder) {
        if (exportWanted()) {
            builder.addPropertiesCustomizer(config -> Map.of(TRACES_EXPORTER, "otlp"));
        }
    }

    boolean exportWanted() {
        if (environment.containsProperty(TRACES_EXPORTER)) {
            return false;
        }
        for (String key : ENDPOINTS) {
            if (environment.getProperty(key, String.class).filter(v -> !v.isBlank()).isPresent()) {
                return true;
            }
        }
        return false;
    }
}
