package dev.llmmesh.inference.engine;

/**
 * A request's place in the log. The engine calls {@link #answered()} once the request's last chunk is on
 * {@code llm.inference.events}: only then may its offset be committed, so a replica that dies mid-answer leaves the
 * request to the next owner of its partition.
 */
public interface Ticket {
    /** The partition of {@code llm.inference.requests} it came from: work of a revoked partition is dropped. */
    int partition();

    void answered();
}
