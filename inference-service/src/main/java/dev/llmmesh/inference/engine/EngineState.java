package dev.llmmesh.inference.engine;

import dev.llmmesh.inference.engine.ModelEngine.State;

/**
 * What an engine's thread publishes for other threads (status pages, the catalog, the consumer) and the two flags
 * they set for it. LOADING goes to READY once a decoder is up, or to FAILED with the reason; READY ends CLOSED.
 */
final class EngineState {
    private volatile State state = State.LOADING;
    private volatile String failure;
    private volatile int capacity;
    private volatile int activeRequests;
    private volatile boolean retiring;
    private volatile boolean stopping;

    State state() {
        return state;
    }

    String failure() {
        return failure;
    }

    int capacity() {
        return capacity;
    }

    int activeRequests() {
        return activeRequests;
    }

    boolean retiring() {
        return retiring;
    }

    boolean stopping() {
        return stopping;
    }

    void loaded(int capacity) {
        this.capacity = capacity;
    }

    void ready() {
        state = State.READY;
    }

    void failed(String reason) {
        failure = reason;
        state = State.FAILED;
    }

    void closed() {
        state = State.CLOSED;
    }

    void activeRequests(int count) {
        activeRequests = count;
    }

    void retire() {
        retiring = true;
    }

    void stop() {
        stopping = true;
    }
}
