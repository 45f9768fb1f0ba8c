package dev.llmmesh.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Progress;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.OtlpReceiver;
import dev.llmmesh.testkit.ReceivedSpan;
import dev.llmmesh.testkit.TraceParent;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's half of one trace: a submitted job leaves on Kafka under the request's trace, and an event a
 * service sends back under that trace is consumed by the gateway as part of it. Spans arrive over OTLP/HTTP.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayTraceTest implements UsesMeshInfra {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String DESTINATION = "messaging.destination.name";

    private final OtlpReceiver receiver = OtlpReceiver.start();
    private final HttpClient http = HttpClient.newHttpClient();

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = TestGateways.properties(TestGateways.artifactsDir(), false);
        props.putAll(receiver.properties());
        return props;
    }

    @AfterAll
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void aSubmittedJobCarriesTheRequestsTraceToKafkaAndItsEventsComeBackUnderIt() throws Exception {
        assertEquals(201, send("POST", "/v1/datasets?id=traced-ds", "text/plain", "text for a tokenizer").statusCode());
        HttpResponse<String> submitted = send("POST", "/v1/jobs", "application/json",
                "{\"type\":\"train-tokenizer\",\"datasetId\":\"traced-ds\",\"vocabSize\":300}");
        assertEquals(202, submitted.statusCode(), submitted.body());
        String jobId = Json.LENIENT.readTree(submitted.body()).get("id").textValue();

        ReceivedSpan request = receiver.awaitSpan(TIMEOUT, s -> s.kind() == ReceivedSpan.Kind.SERVER
                && "POST".equals(s.attribute("http.request.method")) && "/v1/jobs".equals(s.attribute("url.path")));
        assertEquals("gateway", request.service());

        // The job record carries the request's trace, from a PRODUCER span under the request's span.
        ConsumerRecord<String, byte[]> job = KafkaProbe.readUntil(Topics.TOKENIZER_JOBS, TIMEOUT,
                seen -> seen.stream().anyMatch(r -> jobId.equals(r.key()))).stream()
                .filter(r -> jobId.equals(r.key())).findFirst().orElseThrow();
        TraceParent sent = TraceParent.of(job).orElseThrow(() -> new AssertionError("job record without traceparent"));
        assertEquals(request.traceId(), sent.traceId());
        ReceivedSpan publish = receiver.awaitSpan(TIMEOUT, s -> s.spanId().equals(sent.spanId()));
        assertEquals(ReceivedSpan.Kind.PRODUCER, publish.kind());
        assertEquals(Topics.TOKENIZER_JOBS, publish.attribute(DESTINATION));
        assertTrue(publish.isChildOf(request), publish + " under " + request);

        // A service answers under a child of the job's context; the gateway consumes it within the same trace.
        TraceParent service = new TraceParent(sent.traceId(), TraceParent.random().spanId(), true);
        KafkaProbe.send(Topics.JOB_EVENTS, jobId, Json.bytes(JobEvent.running(jobId, "train-tokenizer",
                new Progress(1, 2, "merges", "merging", 1.0, 1L, Map.of()))), Map.of(TraceParent.HEADER, service.header()));
        ReceivedSpan consumed = receiver.awaitSpan(TIMEOUT, s -> s.kind() == ReceivedSpan.Kind.CONSUMER
                && service.spanId().equals(s.parentSpanId()));
        assertEquals(request.traceId(), consumed.traceId());
        assertEquals("gateway", consumed.service());
        assertEquals(Topics.JOB_EVENTS, consumed.attribute(DESTINATION));
        assertEquals("RUNNING", awaitState(jobId, "RUNNING").get("state").textValue());
    }

    private JsonNode awaitState(String jobId, String state) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        JsonNode view = null;
        while (System.nanoTime() < deadline) {
            view = Json.LENIENT.readTree(send("GET", "/v1/jobs/" + jobId, null, null).body());
            if (state.equals(view.path("state").textValue())) {
                return view;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " never reached " + state + ": " + view);
    }

    private HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(server.getURL() + path));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }
}
