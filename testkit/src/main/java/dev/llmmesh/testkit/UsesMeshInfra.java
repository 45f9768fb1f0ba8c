package dev.llmmesh.testkit;

import java.util.Map;

import io.micronaut.test.support.TestPropertyProvider;

/**
 * Mix-in for {@code @MicronautTest} classes: implementing it points the test's application
 * context at the shared Kafka broker and redis-server.
 *
 * <p>Micronaut asks a {@link TestPropertyProvider} for properties before it builds the context,
 * which is exactly when the infrastructure must already be running. Micronaut only consults it on
 * {@code @TestInstance(Lifecycle.PER_CLASS)} test classes.
 */
public interface UsesMeshInfra extends TestPropertyProvider {

    @Override
    default Map<String, String> getProperties() {
        return MeshInfra.get().properties();
    }
}
