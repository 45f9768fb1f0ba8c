package dev.llmmesh.mesh;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitBreakerTest {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final CircuitBreaker breaker = new CircuitBreaker(Duration.ofSeconds(5), clock);

    @Test
    void aFailureSkipsCallsForTheCoolDownThenLetsOneProbeThrough() {
        assertTrue(breaker.allows());
        assertTrue(breaker.failed("refused"), "the first failure opens it");
        assertFalse(breaker.allows());
        now = now.plusMillis(4999);
        assertFalse(breaker.allows(), "still cooling down");
        now = now.plusMillis(1);
        assertTrue(breaker.allows(), "the probe");
        assertFalse(breaker.allows(), "only one probe at a time");
        assertFalse(breaker.failed("refused again"), "a failed probe is the same outage");
        assertFalse(breaker.allows(), "a failed probe starts another cool-down");
        now = now.plusSeconds(5);
        assertTrue(breaker.allows());
        assertTrue(breaker.succeeded(), "a good probe ends the outage");
        assertTrue(breaker.allows());
        assertTrue(breaker.allows());
        assertEquals(CircuitBreaker.State.CLOSED, breaker.status().state());
    }

    @Test
    void theStatusSaysSinceWhenWhyAndWhenTheNextTryIs() {
        Instant start = now;
        breaker.failed("connection refused");
        now = now.plusSeconds(7);
        assertTrue(breaker.allows());
        breaker.failed("timed out");
        CircuitBreaker.Status status = breaker.status();
        assertEquals(CircuitBreaker.State.OPEN, status.state());
        assertEquals(start, status.failingSince());
        assertEquals("timed out", status.lastError());
        assertEquals(now.plusSeconds(5), status.nextProbe());
        breaker.succeeded();
        assertNull(breaker.status().failingSince());
    }

    @Test
    void aProbeThatNeverReportsIsReplacedAfterACoolDown() {
        breaker.failed("refused");
        now = now.plusSeconds(5);
        assertTrue(breaker.allows());
        now = now.plusSeconds(4);
        assertFalse(breaker.allows());
        now = now.plusSeconds(1);
        assertTrue(breaker.allows(), "the lost probe's place is taken");
    }
}
