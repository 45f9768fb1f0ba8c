package dev.llmmesh.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micronaut.context.annotation.Value;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@MicronautTest(startApplication = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsesMeshInfraTest implements UsesMeshInfra {

    @Value("${kafka.bootstrap.servers}")
    String kafkaBootstrapServers;

    @Value("${redis.uri}")
    String redisUri;

    @Test
    void micronautTestReceivesTheSharedInfrastructure() {
        // The properties must come from the provider, not from MeshInfraExtension's system properties.
        assertNull(System.getProperty("redis.uri"));
        assertEquals(MeshInfra.get().kafkaBootstrapServers(), kafkaBootstrapServers);
        assertEquals(MeshInfra.get().redisUri(), redisUri);
    }
}
