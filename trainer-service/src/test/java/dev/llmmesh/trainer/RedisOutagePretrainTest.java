package dev.llmmesh.trainer;

import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.RedisServer;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis stopped under a running trainer-service (a redis-server of this test's own): a pretrain job reads its many
 * shards from the artifact store and finishes within seconds, where each shard read used to wait 60 s.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisOutagePretrainTest implements UsesMeshInfra {
    private final RedisServer redis = RedisServer.start();

    @Inject
    FileArtifactStore artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", PretrainJobTest.tempDir().toString());
        props.put("redis.uri", redis.uri());
        return props;
    }

    @AfterAll
    void stopRedis() {
        redis.close();
    }

    @Test
    void withRedisStoppedAPretrainJobReadsItsShardsFromTheArtifactStoreWithinSeconds() throws Exception {
        String datasetId = "outage-" + PretrainJobTest.shortId();
        Fixtures.tokenizedDataset(artifacts, datasetId, Fixtures.mobyDick(20_000), 400);
        redis.stop();
        long t0 = System.nanoTime();
        String jobId = "pretrain-" + PretrainJobTest.shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s","shape":"tiny",
                 "hyperparameters":{"batchSize":4,"contextLength":64,"stride":64,"warmupSteps":1,"evalEvery":5,
                   "evalBatches":1,"checkpointEvery":100,"seed":7},
                 "maxSteps":5}""".formatted(jobId, datasetId, Fixtures.TOKENIZER));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, Duration.ofMinutes(2)).getLast();
        long seconds = (System.nanoTime() - t0) / 1_000_000_000;
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        assertTrue(seconds < 20, "a pretrain job with Redis down took " + seconds + " s");

        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.getURL() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("DEGRADED", Json.LENIENT.readTree(health.body()).path("details").path("redis").path("status")
                .asText(), health.body());
    }
}
