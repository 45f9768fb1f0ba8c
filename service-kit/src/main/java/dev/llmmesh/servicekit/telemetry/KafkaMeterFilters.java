package dev.llmmesh.servicekit.telemetry;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;

/**
 * Kafka reports some figures under one name at two levels: per client and per broker connection
 * ({@code request-total}, with {@code node-id}), or per client and per partition ({@code records-lag-max}).
 * Prometheus needs one label set per name, so micronaut-kafka's binder gets the second refused with a warning
 * at every start. This filter refuses it quietly instead: a Kafka meter name keeps the label set it was first
 * registered with, which is the per-client one (clients register those when they are created, before they
 * connect to brokers or get partitions). Per-partition lag stays, under its own name {@code records-lag}.
 */
@Factory
class KafkaMeterFilters {
    @Singleton
    MeterFilter kafkaOneLabelSetPerName() {
        ConcurrentMap<String, Set<String>> firstTagKeys = new ConcurrentHashMap<>();
        return new MeterFilter() {
            @Override
            public MeterFilterReply accept(Meter.Id id) {
                if (!id.getName().startsWith("kafka.")) {
                    return MeterFilterReply.NEUTRAL;
                }
                Set<String> keys = id.getTags().stream().map(Tag::getKey).collect(Collectors.toUnmodifiableSet());
                return firstTagKeys.computeIfAbsent(id.getName(), name -> keys).equals(keys)
                        ? MeterFilterReply.NEUTRAL : MeterFilterReply.DENY;
            }
        };
    }
}
