package dev.llmmesh.servicekit.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class KafkaMeterFiltersTest {
    @Test
    void aKafkaMeterNameKeepsItsFirstLabelSet() {
        var registry = new SimpleMeterRegistry();
        registry.config().meterFilter(new KafkaMeterFilters().kafkaOneLabelSetPerName());

        gauge(registry, "kafka.consumer.records-lag-max", 3, "client-id", "tok");
        gauge(registry, "kafka.consumer.records-lag-max", 5, "client-id", "tok", "topic", "jobs", "partition", "1");
        gauge(registry, "kafka.consumer.records-lag-max", 7, "client-id", "other");
        gauge(registry, "llm.other", 1, "a", "1");
        gauge(registry, "llm.other", 2, "a", "1", "b", "2");

        assertEquals(2, registry.find("kafka.consumer.records-lag-max").gauges().size());
        assertNull(registry.find("kafka.consumer.records-lag-max").tag("partition", "1").gauge());
        assertNotNull(registry.find("kafka.consumer.records-lag-max").tag("client-id", "other").gauge());
        assertEquals(2, registry.find("llm.other").gauges().size(), "only Kafka's meters are filtered");
    }

    private static void gauge(SimpleMeterRegistry registry, String name, double value, String... tags) {
        Gauge.builder(name, () -> value).tags(tags).register(registry);
    }
}
