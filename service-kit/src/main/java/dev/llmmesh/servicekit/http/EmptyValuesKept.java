package dev.llmmesh.servicekit.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.context.env.Environment;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.jackson.JacksonConfiguration;
import jakarta.inject.Singleton;

/**
 * Micronaut's Jackson leaves out empty values by default ({@code NON_EMPTY}), so {@code "tokens": []} and
 * {@code "text": ""} vanished from answers. An empty list or string is an answer; only nulls are left out, as
 * the mesh's own serde does. A service may still choose otherwise with {@code jackson.serialization-inclusion}.
 */
@Singleton
final class EmptyValuesKept implements BeanCreatedEventListener<JacksonConfiguration> {
    static final String PROPERTY = "jackson.serialization-inclusion";

    private final Environment environment;

    EmptyValuesKept(Environment environment) {
        this.environment = environment;
    }

    @Override
    public JacksonConfiguration onCreated(BeanCreatedEvent<JacksonConfiguration> event) {
        JacksonConfiguration config = event.getBean();
        if (!environment.containsProperty(PROPERTY)) {
            config.setSerializationInclusion(JsonInclude.Include.NON_NULL);
        }
        return config;
    }
}
