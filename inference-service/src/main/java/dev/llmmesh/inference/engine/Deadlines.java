package dev.llmmesh.inference.engine;

import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionRequest;

import java.time.Clock;
import java.time.Instant;

/**
 * When nobody waits for a request any more, so a replica stops spending work on it. One rule for the three places
 * that look: the consumer before it routes a request (typically one re-read after a replica died), the engine
 * before it admits one, and the decode loop between steps.
 */
public final class Deadlines {
    public static final Deadlines SYSTEM = new Deadlines(Clock.systemUTC());

    private final Clock clock;

    public Deadlines(Clock clock) {
        this.clock = clock;
    }

    /**
     * A request without a deadline is always waited for; at its deadline instant it still is (the gateway gives up
     * after it, not at it).
     */
    public boolean passed(CompletionRequest request) {
        return passed(request.deadline());
    }

    public boolean passed(ClassifyRequest request) {
        return passed(request.deadline());
    }

    private boolean passed(Instant deadline) {
        return deadline != null && clock.instant().isAfter(deadline);
    }
}
