package dev.llmmesh.tokenizer;

import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.testkit.KafkaProbe;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /prometheus after real work: HTTP server timings, job counters and Kafka consumer lag. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest implements UsesMeshInfra {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String FINISHED = "llm_jobs_finished_total{job_type=\"tokenize-dataset\",state=\"SUCCEEDED\"}";
    private static final String RUNNING_EVENTS = "llm_jobs_events_total{job_type=\"tokenize-dataset\",state=\"RUNNING\"}";

    private final HttpClient http = HttpClient.newHttpClient();

    @Inject
    ArtifactStore artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        return TokenizerTests.properties();
    }

    @Test
    void prometheusShowsRequestsJobsAndConsumerLag() throws Exception {
        List<String> before = scrape();
        double finishedBefore = value(before, FINISHED);
        double runningBefore = value(before, RUNNING_EVENTS);

        String jobId = TokenizerTests.tokenizeSmallDataset(artifacts, "metered-", Map.of());
        assertEquals(JobState.SUCCEEDED, KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast().state());
        HttpResponse<String> tokenized = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/tokenize"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tokenizer\":\"gpt2\",\"text\":\"Hello\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, tokenized.statusCode());

        List<String> after = scrape();
        // The job reports RUNNING once when planned and once per shard but the last, then SUCCEEDED.
        assertTrue(value(after, FINISHED) >= finishedBefore + 1, "finished jobs counted: " + grep(after, "llm_jobs"));
        assertTrue(value(after, RUNNING_EVENTS) >= runningBefore + 3, "events counted: " + grep(after, "llm_jobs"));
        assertTrue(value(after, "http_server_requests_seconds_count{exception=\"none\",method=\"POST\",status=\"200\","
                + "uri=\"/v1/tokenize\"}") >= 1, "request timings: " + grep(after, "http_server_requests"));
        // Lag of the job listener's consumer, per partition of the jobs topic and as the maximum.
        String listener = "client_id=\"tokenizer-service-tokenizer-job-listener\"";
        assertTrue(after.stream().anyMatch(l -> l.startsWith("kafka_consumer_records_lag_max_records{") && l.contains(listener)),
                "consumer lag: " + grep(after, "lag"));
        assertEquals(8, after.stream().filter(l -> l.startsWith("kafka_consumer_records_lag_records{")
                && l.contains(listener) && l.contains("topic=\"llm_tokenizer_jobs\"")).count(), grep(after, "lag"));
    }

    private List<String> scrape() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/prometheus")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        return response.body().lines().filter(l -> !l.startsWith("#")).toList();
    }

    /** The sample's value, 0 when the series does not exist yet (Prometheus counters start at 0). */
    private static double value(List<String> samples, String series) {
        return samples.stream().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(0.0);
    }

    private static String grep(List<String> samples, String part) {
        return String.join("\n", samples.stream().filter(l -> l.contains(part)).toList());
    }
}
