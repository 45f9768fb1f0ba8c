package dev.llmmesh.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts {@link MeshInfra} before a test class and publishes its settings as system properties,
 * which a Micronaut {@code ApplicationContext} started later reads like any other configuration.
 *
 * <p>For {@code @MicronautTest} classes prefer {@link UsesMeshInfra}: system properties are global
 * to the JVM, and JUnit only runs this extension before Micronaut's if {@code @ExtendWith} is
 * declared above {@code @MicronautTest}.
 */
public final class MeshInfraExtension implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        MeshInfra.get().properties().forEach(System::setProperty);
    }
}
