package dev.llmmesh.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs in the test phase (surefire), before any jar exists: the failure must tell how to get one. */
class ServiceJarsTest {
    @TempDir
    Path root;

    @Test
    void aMissingJarFailsWithTheCommandThatBuildsIt() {
        var e = assertThrows(IllegalStateException.class, () -> ServiceJars.jar(root, "trainer-service", "0.1.0"));
        assertTrue(e.getMessage().contains(root.resolve("trainer-service/target/trainer-service-0.1.0.jar").toString()),
                e.getMessage());
        assertTrue(e.getMessage().contains("mvn -B verify"), e.getMessage());
    }

    @Test
    void theJarIsFoundByServiceAndVersion() throws Exception {
        Path jar = Files.createDirectories(root.resolve("tokenizer-service/target")).resolve("tokenizer-service-0.1.0.jar");
        Files.write(jar, new byte[0]);
        assertEquals(jar, ServiceJars.jar(root, "tokenizer-service", "0.1.0"));
    }
}
