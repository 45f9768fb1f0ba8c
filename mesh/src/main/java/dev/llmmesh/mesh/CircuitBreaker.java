package dev.llmmesh.mesh;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Skips a dependency that just failed, for a cool-down, instead of making every caller wait for its timeout.
 *
 * <p>Closed, every call goes through. A failure opens it: for {@code coolDown} no call goes through. Then one call
 * (the probe) is let through while the others are still skipped; its success closes the breaker, its failure opens
 * it for another cool-down. A probe that never reports back is replaced after a cool-down, so the breaker cannot
 * stay half-open.
 */
public final class CircuitBreaker {
    /** Closed: calls go through; open: they are skipped; half-open: one probe is out. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    /** A snapshot for health reports. */
    public record Status(State state, Instant failingSince, String lastError, Instant nextProbe) {
    }

    private final Duration coolDown;
    private final Clock clock;

    private State state = State.CLOSED;
    private Instant failingSince;
    private Instant openedAt;
    private Instant probeStartedAt;
    private String lastError;

    public CircuitBreaker(Duration coolDown, Clock clock) {
        if (coolDown.isNegative() || coolDown.isZero()) {
            throw new IllegalArgumentException("cool-down must be positive, got " + coolDown);
        }
        this.coolDown = coolDown;
        this.clock = clock;
    }

    /** Whether a call may go now; a true while open makes the caller the probe, which must then report back. */
    public synchronized boolean allows() {
        Instant now = clock.instant();
        return switch (state) {
            case CLOSED -> true;
            case OPEN -> {
                if (now.isBefore(openedAt.plus(coolDown))) {
                    yield false;
                }
                state = State.HALF_OPEN;
                probeStartedAt = now;
                yield true;
            }
            case HALF_OPEN -> {
                if (now.isBefore(probeStartedAt.plus(coolDown))) {
                    yield false;
                }
                probeStartedAt = now;
                yield true;
            }
        };
    }

    /** @return true when this closed a breaker that was open (the dependency is back) */
    public synchronized boolean succeeded() {
        boolean recovered = state != State.CLOSED;
        state = State.CLOSED;
        failingSince = null;
        lastError = null;
        return recovered;
    }

    /** @return true when this opened a closed breaker (the start of an outage) */
    public synchronized boolean failed(String error) {
        boolean opened = state == State.CLOSED;
        Instant now = clock.instant();
        if (opened) {
            failingSince = now;
        }
        state = State.OPEN;
        openedAt = now;
        lastError = error;
        return opened;
    }

    public synchronized Status status() {
        Instant nextProbe = state == State.OPEN ? openedAt.plus(coolDown) : null;
        return new Status(state, failingSince, lastError, nextProbe);
    }

    public Duration coolDown() {
        return coolDown;
    }
}
