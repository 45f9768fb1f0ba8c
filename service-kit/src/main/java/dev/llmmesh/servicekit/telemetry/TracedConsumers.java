package dev.llmmesh.servicekit.telemetry;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.Consumer;

import java.lang.reflect.Proxy;

/**
 * Every {@code @KafkaListener}'s consumer: iterating the records of a poll opens one CONSUMER ("process")
 * span per record, parented on the record's {@code traceparent} header and current until the next record,
 * so the listener method runs inside it and whatever it produces continues the producer's trace.
 * micronaut-kafka walks a poll's records with their iterator, one record per listener call.
 */
@Singleton
class TracedConsumers implements BeanCreatedEventListener<Consumer<?, ?>> {
    private final KafkaTelemetry telemetry;

    TracedConsumers(KafkaTelemetry telemetry) {
        this.telemetry = telemetry;
    }

    @Override
    public Consumer<?, ?> onCreated(BeanCreatedEvent<Consumer<?, ?>> event) {
        Consumer<?, ?> consumer = event.getBean();
        return Proxy.isProxyClass(consumer.getClass()) ? consumer : telemetry.wrap(consumer);
    }
}
