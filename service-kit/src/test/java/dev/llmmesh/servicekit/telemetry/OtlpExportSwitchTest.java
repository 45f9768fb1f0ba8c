package dev.llmmesh.servicekit.telemetry;

import io.micronaut.context.env.DefaultEnvironment;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a service exports traces; the export itself is exercised end to end in tokenizer-service's TracingTest. */
class OtlpExportSwitchTest {
    @Test
    void exportsOnlyWhenAnEndpointIsConfigured() {
        assertFalse(wanted(Map.of()));
        assertFalse(wanted(Map.of("otel.exporter.otlp.endpoint", "")));
        assertTrue(wanted(Map.of("otel.exporter.otlp.endpoint", "http://jaeger:4318")));
        assertTrue(wanted(Map.of("otel.exporter.otlp.traces.endpoint", "http://jaeger:4318/v1/traces")));
    }

    @Test
    void anExplicitTracesExporterWins() {
        assertFalse(wanted(Map.of("otel.exporter.otlp.endpoint", "http://jaeger:4318", OtlpExportSwitch.TRACES_EXPORTER, "none")));
    }

    @Test
    void environmentVariablesSwitchItTheSameWay() {
        // Read with the convention Micronaut applies to the process environment (OTEL_A_B -> otel.a.b).
        assertTrue(wanted(PropertySource.of("env", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318"),
                PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE)));
        assertFalse(wanted(PropertySource.of("env", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318",
                "OTEL_TRACES_EXPORTER", "none"), PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE)));
    }

    private static boolean wanted(Map<String, Object> properties) {
        return wanted(PropertySource.of("test", properties));
    }

    private static boolean wanted(PropertySource source) {
        Environment environment = new DefaultEnvironment(() -> java.util.List.of("test"));
        environment.addPropertySource(source);
        environment.start();
        try {
            return new OtlpExportSwitch(environment).exportWanted();
        } finally {
            environment.stop();
        }
    }
}
