package dev.llmmesh.testkit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A W3C trace context {@code traceparent} value ({@code 00-<trace id>-<parent span id>-<flags>}): what tests
 * put on a record to start a trace, and read back from records a service produced.
 */
public record TraceParent(String traceId, String spanId, boolean sampled) {
    public static final String HEADER = "traceparent";
    private static final Pattern FORMAT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A fresh sampled context, as an upstream caller that started a trace would send. */
    public static TraceParent random() {
        return new TraceParent(hex(16), hex(8), true);
    }

    public static TraceParent parse(String value) {
        var m = FORMAT.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a traceparent: " + value);
        }
        return new TraceParent(m.group(1), m.group(2), (Integer.parseInt(m.group(3), 16) & 1) == 1);
    }

    /** The record's last {@code traceparent} header, if it has one. */
    public static Optional<TraceParent> of(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(HEADER);
        return header == null ? Optional.empty() : Optional.of(parse(new String(header.value(), StandardCharsets.UTF_8)));
    }

    public String header() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
