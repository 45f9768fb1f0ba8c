package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadlinesTest {
    private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");
    private final Deadlines deadlines = new Deadlines(Clock.fixed(NOW, ZoneOffset.UTC));

    private static CompletionRequest due(Instant deadline) {
        return new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "r", null, "m", "p", null,
                SamplingParams.greedy(1), false, null, deadline, null);
    }

    @Test
    void aDeadlineInThePastHasPassed() {
        assertTrue(deadlines.passed(due(NOW.minusNanos(1))));
    }

    @Test
    void aDeadlineAtThisInstantOrLaterHasNotPassed() {
        assertFalse(deadlines.passed(due(NOW)), "the gateway gives up after its deadline, not at it");
        assertFalse(deadlines.passed(due(NOW.plusSeconds(30))));
    }

    @Test
    void aRequestWithoutADeadlineNeverExpires() {
        assertFalse(deadlines.passed(due(null)));
        assertFalse(new Deadlines(Clock.fixed(Instant.MAX, ZoneOffset.UTC)).passed(due(null)));
    }

    @Test
    void theSystemPolicyReadsTheWallClock() {
        assertTrue(Deadlines.SYSTEM.passed(due(Instant.now().minusSeconds(1))));
        assertFalse(Deadlines.SYSTEM.passed(due(Instant.now().plusSeconds(60))));
    }
}
