package dev.llmmesh.it;

import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model the tests write and announce themselves (no trainer), and waiting until the services serve it. */
final class ServedModels {
    private ServedModels() {
    }

    /** Saves {@code model} under {@code artifacts} and announces it on {@code llm.models} with the GPT-2 tokenizer. */
    static void publish(GptModel model, GptConfig config, String modelId, String jobId, Path artifacts)
            throws Exception {
        String artifact = ArtifactKeys.modelDir(modelId);
        GptCheckpoint.save(model, artifacts.resolve(artifact));
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(config, Map.class);
        var announcement = ModelAnnouncement.base(modelId, shape, TokenizerRegistry.GPT2, artifact, jobId, Map.of(),
                Instant.now());
        KafkaProbe.send(Topics.MODELS, modelId, Json.bytes(announcement));
    }

    /** Polls {@code url} until it answers 200 with a body {@code ready} accepts (a model loaded, listed). */
    static void awaitOk(HttpClient http, String url, Predicate<String> ready) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        HttpRequest get = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build();
        while (true) {
            HttpResponse<String> response = http.send(get, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && ready.test(response.body())) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, url + " answered " + response.statusCode() + ": "
                    + response.body());
            Thread.sleep(250);
        }
    }
}
