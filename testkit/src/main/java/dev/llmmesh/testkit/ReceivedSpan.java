package dev.llmmesh.testkit;

import java.util.Map;

/**
 * One span as an {@link OtlpReceiver} got it. Ids are lower-case hex, as in a W3C {@code traceparent}.
 *
 * @param parentSpanId null for a root span
 * @param service      the exporting process's {@code service.name} resource attribute
 * @param scope        the instrumentation scope that made the span (e.g. the Kafka or HTTP instrumentation)
 */
public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, Kind kind, String service,
                           String scope, Map<String, Object> attributes) {
    public enum Kind { INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER }

    public ReceivedSpan {
        attributes = Map.copyOf(attributes);
    }

    public Object attribute(String key) {
        return attributes.get(key);
    }

    public boolean isChildOf(ReceivedSpan parent) {
        return traceId.equals(parent.traceId) && parent.spanId.equals(parentSpanId);
    }
}
