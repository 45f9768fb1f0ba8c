package dev.llmmesh.tokenizer;

import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.llmmesh.tokenizer.TokenizerTests.shortId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One trace across Kafka: a job record carrying a {@code traceparent} is processed under a CONSUMER span
 * that continues it, and every record the service writes while handling it (job events, shard tasks, dead
 * letters) carries the same trace onward. Spans arrive over real OTLP/HTTP at the testkit's receiver.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingTest implements UsesMeshInfra {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SERVICE = "tokenizer-service";
    private static final String DESTINATION = "messaging.destination.name";

    private final OtlpReceiver receiver = OtlpReceiver.start();
    private final HttpClient http = HttpClient.newHttpClient();

    @Inject
    ArtifactStore artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = TokenizerTests.properties();
        props.putAll(receiver.properties());
        return props;
    }

    @AfterAll
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void aJobContinuesTheTraceOfItsRecordThroughTheServiceAndBackOntoKafka() throws Exception {
        TraceParent upstream = TraceParent.random();
        // Three shards: the fan-out tasks go back through Kafka and are consumed under the same trace.
        String jobId = TokenizerTests.tokenizeSmallDataset(artifacts, "traced-", Map.of(TraceParent.HEADER, upstream.header()));

        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        assertEquals(JobState.SUCCEEDED, events.getLast().state(), events.getLast().message());

        // The service took up the upstream context: its CONSUMER span is the upstream span's child.
        ReceivedSpan job = receiver.awaitSpan(TIMEOUT, s -> s.kind() == ReceivedSpan.Kind.CONSUMER
                && upstream.spanId().equals(s.parentSpanId()));
        assertEquals(upstream.traceId(), job.traceId());
        assertEquals(SERVICE, job.service());
        assertEquals(Topics.TOKENIZER_JOBS, job.attribute(DESTINATION));

        // Every event it wrote for this job carries the trace onward, each from a PRODUCER span of the service.
        List<ConsumerRecord<String, byte[]>> eventRecords = records(Topics.JOB_EVENTS, jobId, events.size());
        Set<TraceParent> eventContexts = eventRecords.stream().map(r -> TraceParent.of(r).orElseThrow(
                () -> new AssertionError("job event without traceparent: " + r))).collect(Collectors.toSet());
        eventContexts.forEach(c -> assertEquals(upstream.traceId(), c.traceId(), "event context " + c));
        List<ReceivedSpan> trace = receiver.awaitSpans(TIMEOUT, seen -> eventContexts.stream()
                .allMatch(c -> seen.stream().anyMatch(s -> s.spanId().equals(c.spanId()))));
        for (TraceParent c : eventContexts) {
            ReceivedSpan publish = trace.stream().filter(s -> s.spanId().equals(c.spanId())).findFirst().orElseThrow();
            assertEquals(ReceivedSpan.Kind.PRODUCER, publish.kind());
            assertEquals(Topics.JOB_EVENTS, publish.attribute(DESTINATION));
            assertEquals(upstream.traceId(), publish.traceId());
        }
        // The first event (RUNNING, 0 shards planned) is published while the job record itself is processed.
        assertTrue(trace.stream().anyMatch(s -> s.kind() == ReceivedSpan.Kind.PRODUCER && s.isChildOf(job)
                && Topics.JOB_EVENTS.equals(s.attribute(DESTINATION))), "an event published under " + job);

        // The shard tasks went out under the job's span and came back in under their own publish spans.
        List<ReceivedSpan> shardTasks = trace.stream().filter(s -> s.kind() == ReceivedSpan.Kind.PRODUCER
                && s.isChildOf(job) && Topics.TOKENIZER_JOBS.equals(s.attribute(DESTINATION))).toList();
        assertEquals(3, shardTasks.size(), "shard tasks published under the job span: " + shardTasks);
        List<ReceivedSpan> all = receiver.awaitSpans(TIMEOUT, seen -> shardTasks.stream().allMatch(task -> seen.stream()
                .anyMatch(s -> s.kind() == ReceivedSpan.Kind.CONSUMER && s.isChildOf(task))));
        assertTrue(all.stream().filter(s -> s.traceId().equals(upstream.traceId())).allMatch(s -> s.service().equals(SERVICE)));
    }

    @Test
    void aDeadLetterKeepsTheTraceOfTheMessageItReplaces() throws Exception {
        String key = "poison-" + shortId();
        TraceParent upstream = TraceParent.random();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, key, "not a job".getBytes(StandardCharsets.UTF_8),
                Map.of(TraceParent.HEADER, upstream.header()));

        ConsumerRecord<String, byte[]> dead = records(Topics.DEAD_LETTER, key, 1).getFirst();
        TraceParent context = TraceParent.of(dead).orElseThrow();
        assertEquals(upstream.traceId(), context.traceId());
        // The header was replaced by the dead-letter publish span, which sits under the CONSUMER span.
        assertFalse(context.spanId().equals(upstream.spanId()), "the copied header was not replaced");
        ReceivedSpan consumed = receiver.awaitSpan(TIMEOUT, s -> s.kind() == ReceivedSpan.Kind.CONSUMER
                && upstream.spanId().equals(s.parentSpanId()));
        ReceivedSpan publish = receiver.awaitSpan(TIMEOUT, s -> s.spanId().equals(context.spanId()));
        assertEquals(ReceivedSpan.Kind.PRODUCER, publish.kind());
        assertEquals(Topics.DEAD_LETTER, publish.attribute(DESTINATION));
        assertTrue(publish.isChildOf(consumed), publish + " under " + consumed);
    }

    @Test
    void anHttpRequestGetsAServerSpanThatContinuesTheCallersTrace() throws Exception {
        TraceParent caller = TraceParent.random();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/tokenize"))
                .header("Content-Type", "application/json")
                .header(TraceParent.HEADER, caller.header())
                .POST(HttpRequest.BodyPublishers.ofString("{\"tokenizerId\":\"gpt2\",\"text\":\"Hello world\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());

        ReceivedSpan span = receiver.awaitSpan(TIMEOUT, s -> s.kind() == ReceivedSpan.Kind.SERVER
                && s.traceId().equals(caller.traceId()));
        assertEquals(caller.spanId(), span.parentSpanId());
        assertEquals(SERVICE, span.service());
        assertEquals("POST", span.attribute("http.request.method"));
        assertEquals(200L, span.attribute("http.response.status_code"));
        assertTrue(span.name().startsWith("POST"), span.name());

        // A request without a caller's context starts its own trace.
        HttpResponse<String> fresh = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/tokenizers/gpt2"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, fresh.statusCode(), fresh.body());
        ReceivedSpan root = receiver.awaitSpan(TIMEOUT, s -> s.kind() == ReceivedSpan.Kind.SERVER && "GET".equals(
                s.attribute("http.request.method")));
        assertEquals(null, root.parentSpanId());
    }

    private static List<ConsumerRecord<String, byte[]>> records(String topic, String key, int atLeast) {
        return KafkaProbe.readUntil(topic, TIMEOUT, seen -> seen.stream().filter(r -> key.equals(r.key())).count() >= atLeast)
                .stream().filter(r -> key.equals(r.key())).toList();
    }
}
