package dev.llmmesh.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * An in-process OTLP/HTTP trace receiver (what Jaeger or a collector is in production): accepts
 * {@code POST /v1/traces} as protobuf and keeps every span, so a test can wait for the spans a service
 * exported and check their trace ids and parent links.
 */
public final class OtlpReceiver implements AutoCloseable {
    private static final String TRACES_PATH = "/v1/traces";
    private static final HexFormat HEX = HexFormat.of();

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    private final Object arrivals = new Object();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    /** Listens on a free loopback port. */
    public static OtlpReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            OtlpReceiver receiver = new OtlpReceiver(server);
            server.createContext(TRACES_PATH, receiver::handle);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the OTLP receiver", e);
        }
    }

    /** The base URL an exporter's {@code otel.exporter.otlp.endpoint} takes (it appends /v1/traces itself). */
    public String endpoint() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    /**
     * Micronaut configuration that makes a service export its spans here at once: the endpoint (service-kit
     * turns OTLP export on when one is set), http/protobuf, and a batch processor that flushes every 100 ms
     * instead of every 5 s. Without service-kit, add {@code otel.traces.exporter=otlp}.
     */
    public Map<String, String> properties() {
        return Map.of(
                "otel.exporter.otlp.endpoint", endpoint(),
                "otel.exporter.otlp.protocol", "http/protobuf",
                "otel.bsp.schedule.delay", "100");
    }

    /** Every span received so far, in arrival order. */
    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** Waits for the first span matching {@code match}; fails with what did arrive after the timeout. */
    public ReceivedSpan awaitSpan(Duration timeout, Predicate<ReceivedSpan> match) {
        return awaitSpans(timeout, seen -> seen.stream().anyMatch(match)).stream().filter(match).findFirst()
                .orElseThrow();
    }

    /** Waits until {@code done} holds for the spans received so far and returns them. */
    public List<ReceivedSpan> awaitSpans(Duration timeout, Predicate<List<ReceivedSpan>> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (arrivals) {
            while (true) {
                List<ReceivedSpan> seen = spans();
                if (done.test(seen)) {
                    return seen;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("timed out after " + timeout + " waiting for spans; received "
                            + seen.size() + ":\n" + describe(seen));
                }
                try {
                    arrivals.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for spans", e);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            ExportTraceServiceRequest request;
            try (InputStream body = body(exchange)) {
                request = ExportTraceServiceRequest.parseFrom(body);
            } catch (IOException e) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            List<ReceivedSpan> received = spansOf(request);
            spans.addAll(received);
            synchronized (arrivals) {
                arrivals.notifyAll();
            }
            byte[] response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
            if (response.length > 0) {
                exchange.getResponseBody().write(response);
            }
        }
    }

    private static InputStream body(HttpExchange exchange) throws IOException {
        InputStream body = exchange.getRequestBody();
        return "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                ? new GZIPInputStream(body) : body;
    }

    private static List<ReceivedSpan> spansOf(ExportTraceServiceRequest request) {
        List<ReceivedSpan> out = new ArrayList<>();
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            Map<String, Object> resource = attributes(resourceSpans.getResource().getAttributesList());
            String service = String.valueOf(resource.getOrDefault("service.name", ""));
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    out.add(new ReceivedSpan(HEX.formatHex(span.getTraceId().toByteArray()),
                            HEX.formatHex(span.getSpanId().toByteArray()),
                            span.getParentSpanId().isEmpty() ? null : HEX.formatHex(span.getParentSpanId().toByteArray()),
                            span.getName(), kind(span.getKind()), service, scopeSpans.getScope().getName(),
                            attributes(span.getAttributesList())));
                }
            }
        }
        return out;
    }

    private static ReceivedSpan.Kind kind(Span.SpanKind kind) {
        return switch (kind) {
            case SPAN_KIND_SERVER -> ReceivedSpan.Kind.SERVER;
            case SPAN_KIND_CLIENT -> ReceivedSpan.Kind.CLIENT;
            case SPAN_KIND_PRODUCER -> ReceivedSpan.Kind.PRODUCER;
            case SPAN_KIND_CONSUMER -> ReceivedSpan.Kind.CONSUMER;
            default -> ReceivedSpan.Kind.INTERNAL;
        };
    }

    private static Map<String, Object> attributes(List<KeyValue> keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        keyValues.forEach(kv -> map.put(kv.getKey(), value(kv.getValue())));
        return map;
    }

    private static Object value(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> value.getBoolValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case ARRAY_VALUE -> value.getArrayValue().getValuesList().stream().map(OtlpReceiver::value).toList();
            case BYTES_VALUE -> HEX.formatHex(value.getBytesValue().toByteArray());
            default -> String.valueOf(value);
        };
    }

    private static String describe(List<ReceivedSpan> spans) {
        StringBuilder out = new StringBuilder();
        spans.forEach(s -> out.append("  ").append(s).append('\n'));
        return out.toString();
    }
}
