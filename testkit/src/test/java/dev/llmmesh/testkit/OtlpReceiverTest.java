package dev.llmmesh.testkit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receiver against the OpenTelemetry SDK's own OTLP/HTTP exporter, the one services use. */
class OtlpReceiverTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void collectsExportedSpansWithIdsParentsKindsServiceAndAttributes() {
        for (String compression : List.of("none", "gzip")) {
            try (var receiver = OtlpReceiver.start(); var provider = provider(receiver, "svc-" + compression, compression)) {
                Tracer tracer = provider.get("test");
                Span server = tracer.spanBuilder("POST /v1/jobs").setSpanKind(SpanKind.SERVER).startSpan();
                String childSpanId;
                try (Scope ignored = server.makeCurrent()) {
                    Span producer = tracer.spanBuilder("llm.tokenizer.jobs publish").setSpanKind(SpanKind.PRODUCER)
                            .setAllAttributes(Attributes.of(AttributeKey.stringKey("messaging.destination.name"),
                                    "llm.tokenizer.jobs", AttributeKey.longKey("count"), 3L))
                            .startSpan();
                    childSpanId = producer.getSpanContext().getSpanId();
                    producer.end();
                }
                server.end();
                provider.forceFlush().join(10, TimeUnit.SECONDS);

                List<ReceivedSpan> spans = receiver.awaitSpans(TIMEOUT, seen -> seen.size() == 2);
                ReceivedSpan parent = spans.stream().filter(s -> s.kind() == ReceivedSpan.Kind.SERVER).findFirst().orElseThrow();
                ReceivedSpan child = spans.stream().filter(s -> s.kind() == ReceivedSpan.Kind.PRODUCER).findFirst().orElseThrow();
                assertEquals(server.getSpanContext().getTraceId(), parent.traceId());
                assertEquals(server.getSpanContext().getSpanId(), parent.spanId());
                assertNull(parent.parentSpanId());
                assertEquals(childSpanId, child.spanId());
                assertTrue(child.isChildOf(parent), child + " under " + parent);
                assertEquals("POST /v1/jobs", parent.name());
                assertEquals("svc-" + compression, child.service());
                assertEquals("test", child.scope());
                assertEquals("llm.tokenizer.jobs", child.attribute("messaging.destination.name"));
                assertEquals(3L, child.attribute("count"));
            }
        }
    }

    @Test
    void waitingForSpansThatNeverComeFailsWithWhatArrived() {
        try (var receiver = OtlpReceiver.start(); var provider = provider(receiver, "svc", "none")) {
            provider.get("test").spanBuilder("only-this").startSpan().end();
            receiver.awaitSpan(TIMEOUT, s -> s.name().equals("only-this"));
            AssertionError e = assertThrows(AssertionError.class,
                    () -> receiver.awaitSpan(Duration.ofMillis(300), s -> s.name().equals("never")));
            assertTrue(e.getMessage().contains("only-this"), e.getMessage());
        }
    }

    @Test
    void rejectsWhatIsNotAnExportRequest() throws Exception {
        try (var receiver = OtlpReceiver.start(); var client = HttpClient.newHttpClient()) {
            var get = client.send(HttpRequest.newBuilder(URI.create(receiver.endpoint() + "/v1/traces")).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(405, get.statusCode());
            var garbage = client.send(HttpRequest.newBuilder(URI.create(receiver.endpoint() + "/v1/traces"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xff, 0x01, 0x02})).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(400, garbage.statusCode());
            assertTrue(receiver.spans().isEmpty());
        }
    }

    @Test
    void traceParentRoundTripsTheW3cFormat() {
        TraceParent random = TraceParent.random();
        assertEquals(random, TraceParent.parse(random.header()));
        TraceParent parsed = TraceParent.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", parsed.traceId());
        assertEquals("00f067aa0ba902b7", parsed.spanId());
        assertTrue(parsed.sampled());
        assertThrows(IllegalArgumentException.class, () -> TraceParent.parse("01-xyz"));
    }

    private static SdkTracerProvider provider(OtlpReceiver receiver, String service, String compression) {
        var exporter = OtlpHttpSpanExporter.builder().setEndpoint(receiver.endpoint() + "/v1/traces")
                .setCompression(compression).build();
        return SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), service))))
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build();
    }
}
