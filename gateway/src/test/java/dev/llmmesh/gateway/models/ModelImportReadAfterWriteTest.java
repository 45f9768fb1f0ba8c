package dev.llmmesh.gateway.models;

import dev.llmmesh.gateway.TestGateways;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A client that reads a model right after its import's 201 finds it, even on a gateway whose registry reads
 * {@code llm.models} late: here the broker holds every fetch back for up to a second (it waits for more bytes than
 * will come), so without the import waiting for its registry each GET below would get a 404.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelImportReadAfterWriteTest implements UsesMeshInfra {
    private static final int IMPORTS = 3;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        artifacts = TestGateways.artifactsDir();
        Map<String, String> props = TestGateways.properties(artifacts, false);
        props.put("kafka.fetch.min.bytes", Integer.toString(64 << 20));
        props.put("kafka.fetch.max.wait.ms", "1000");
        return props;
    }

    @Test
    void eachImportedModelAndItsFilesAreFoundByTheGetsRightAfterIts201() throws Exception {
        for (int i = 0; i < IMPORTS; i++) {
            String id = "raw-" + run + "-" + i;
            Path dir = artifacts.resolve("uploads/" + id);
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> file : ModelImportApiTest.directory(257, "F16").entrySet()) {
                Files.write(dir.resolve(file.getKey()), file.getValue());
            }
            HttpResponse<String> created = send("POST", "/v1/models/import",
                    "{\"modelId\": \"" + id + "\", \"path\": \"uploads/" + id + "\"}");
            assertEquals(201, created.statusCode(), created.body());

            HttpResponse<String> model = send("GET", "/v1/models/" + id, null);
            assertEquals(200, model.statusCode(), "import " + i + ": " + model.body());
            assertEquals(id, Json.LENIENT.readTree(model.body()).get("id").asText());
            HttpResponse<String> files = send("GET", "/v1/models/" + id + "/files", null);
            assertEquals(200, files.statusCode(), "import " + i + ": " + files.body());
            List<String> names = new ArrayList<>();
            Json.LENIENT.readTree(files.body()).get("data").forEach(f -> names.add(f.get("name").asText()));
            assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json"), names);
        }
    }

    private HttpResponse<String> send(String method, String path, String json) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(server.getURL() + path));
        if (json != null) {
            builder.header("Content-Type", "application/json");
        }
        builder.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }
}
