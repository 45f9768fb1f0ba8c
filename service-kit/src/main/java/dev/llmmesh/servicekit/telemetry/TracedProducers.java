package dev.llmmesh.servicekit.telemetry;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.Producer;

import java.lang.reflect.Proxy;

/**
 * Every Kafka producer micronaut-kafka creates ({@code @KafkaClient} interfaces such as MeshProducer, and
 * injected {@code Producer}s such as the dead-letter one) sends each record under a PRODUCER span whose
 * context goes into the record's {@code traceparent} header, child of whatever span is current: the HTTP
 * request, or the record being consumed.
 */
@Singleton
class TracedProducers implements BeanCreatedEventListener<Producer<?, ?>> {
    private final KafkaTelemetry telemetry;

    TracedProducers(KafkaTelemetry telemetry) {
        this.telemetry = telemetry;
    }

    @Override
    public Producer<?, ?> onCreated(BeanCreatedEvent<Producer<?, ?>> event) {
        Producer<?, ?> producer = event.getBean();
        // micronaut-kafka hands its cached producer out again for each injection point, and each hand-out is
        // a creation event; KafkaTelemetry's wrapper is a JDK proxy, so a proxy here is already traced.
        return Proxy.isProxyClass(producer.getClass()) ? producer : telemetry.wrap(producer);
    }
}
