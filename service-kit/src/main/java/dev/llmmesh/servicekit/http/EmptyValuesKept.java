package dev.llmmesh.servicekit.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.context.env.Environment;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.jackson.JacksonConfiguration;
import jakarta.inject.Singleton;

/**
 * Micronaut's Jackson leaves out empty values by default ({@code NON_EMPTY}), so {@code "tokens": []} and
 * {@code "text": ""} vanished from answers. An empty list or string is an answer: every value is written, as
 * plain Jackson does, and a record whose nulls mean "absent" says so itself ({@code @JsonInclude(NON_NULL)}, as
 * problem bodies and job views do), while OpenAI's shapes write {@code "logprobs": null} as OpenAI does. A service
 * may still choose otherwise with {@code jackson.serialization-inclusion}.
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
            config.setSerializationInclusion(JsonInclude.Include.ALWAYS);
        }
        return config;
    }
}
