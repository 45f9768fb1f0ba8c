package dev.llmmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(MeshInfraExtension.class)
class MeshInfraExtensionTest {

    /** Otherwise UsesMeshInfraTest would pass on these system properties even if its own route broke. */
    @AfterAll
    static void forgetSystemProperties() {
        MeshInfra.get().properties().keySet().forEach(System::clearProperty);
    }

    @Test
    void contextStartedAfterTheExtensionSeesTheInfrastructure() {
        try (ApplicationContext context = ApplicationContext.run()) {
            assertEquals(MeshInfra.get().kafkaBootstrapServers(),
                    context.getRequiredProperty("kafka.bootstrap.servers", String.class));
            assertEquals(MeshInfra.get().redisUri(), context.getRequiredProperty("redis.uri", String.class));
        }
    }
}
