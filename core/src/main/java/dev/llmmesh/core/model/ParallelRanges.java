package dev.llmmesh.core.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits a loop over {@code [0, n)} between the calling thread and a few helper threads, for kernels that run for
 * tens of microseconds and are called a few thousand times a second (a decode step is about sixty of them). An
 * executor's hand-off (queue, wake-up) costs as much as such a kernel, so helpers spin for the next range for a while
 * before they park, and the caller spins for their results.
 *
 * <p>Splitting only pays while every thread has a core. When another process takes one, a helper that the OS
 * descheduled holds the whole loop up for a time slice, every loop: a step then takes several times longer than on
 * one thread. So the caller parks rather than spins once its own range is done (its core can then run the helper),
 * and when a helper lags far behind, the next loops run on the caller alone for a while before splitting again.
 *
 * <p>One loop runs at a time; callers from several threads (two models decoding at once) take turns, which is what
 * the cores would make them do anyway.
 */
final class ParallelRanges {
    /** The part of a loop one thread runs. */
    @FunctionalInterface
    interface Body {
        void run(int from, int to);
    }

    /** How long a helper waits, busy, for the next range before it parks: longer than the gaps within a step. */
    private static final long SPIN_NANOS = 200_000;
    /** How long the caller waits, busy, for the helpers once its own range is done, before it parks. */
    private static final long AWAIT_SPIN_NANOS = 300_000;
    /** Helpers this far behind the caller's own range were most likely descheduled, not merely slower. */
    private static final long LAG_LIMIT_NANOS = 300_000;
    /** How long loops run on the caller alone after a lagging helper, before splitting is tried again. */
    private static final long SOLO_NANOS = 250_000_000;

    private static final class Shared {
        static final ParallelRanges INSTANCE = new ParallelRanges(threads());

        private static int threads() {
            String configured = System.getProperty("llm.decode.threads");
            int threads = configured == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(configured);
            if (threads < 1) {
                throw new IllegalArgumentException("llm.decode.threads must be at least 1, got " + configured);
            }
            return threads;
        }
    }

    private final Helper[] helpers;
    private final ReentrantLock turn = new ReentrantLock();
    /** System.nanoTime() until which loops run on the caller alone; guarded by {@link #turn}. */
    private long soloUntil = System.nanoTime();

    ParallelRanges(int threads) {
        helpers = new Helper[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper();
            Thread thread = Thread.ofPlatform().daemon().name("llm-decode-" + (i + 1)).unstarted(helpers[i]);
            helpers[i].thread = thread;
            thread.start();
        }
    }

    /**
     * The JVM's instance: as many threads as processors, or {@code -Dllm.decode.threads=N}. Its helpers are daemons
     * that park when idle, so it is never closed.
     */
    static ParallelRanges shared() {
        return Shared.INSTANCE;
    }

    int threads() {
        return helpers.length + 1;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in ranges whose starts are multiples of {@code grain} (vector kernels keep
     * whole vectors that way), the caller taking the first. A failure in any range is rethrown here once all are done.
     */
    void run(int n, int grain, Body body) {
        int parts = Math.min(threads(), Math.ceilDiv(n, grain));
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        int chunk = Math.ceilDiv(Math.ceilDiv(n, parts), grain) * grain;
        turn.lock();
        try {
            long start = System.nanoTime();
            if (start - soloUntil < 0) {
                body.run(0, n);
                return;
            }
            int posted = 0;
            for (int from = chunk; from < n; from += chunk) {
                helpers[posted++].post(body, from, Math.min(n, from + chunk));
            }
            RuntimeException failure = null;
            try {
                body.run(0, Math.min(n, chunk));
            } catch (RuntimeException e) {
                failure = e;
            }
            long ownDone = System.nanoTime();
            for (int i = 0; i < posted; i++) {
                RuntimeException helperFailure = helpers[i].await();
                if (failure == null) {
                    failure = helperFailure;
                }
            }
            long end = System.nanoTime();
            if (end - ownDone > (ownDone - start) + LAG_LIMIT_NANOS) {
                soloUntil = end + SOLO_NANOS;
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            turn.unlock();
        }
    }

    private static final class Helper implements Runnable {
        private static final int IDLE = 0;
        private static final int POSTED = 1;
        private static final int DONE = 2;

        private final AtomicInteger state = new AtomicInteger(IDLE);
        private volatile boolean parked;
        /** The caller, once it parks waiting for this helper's range. */
        private volatile Thread waiter;
        private Thread thread;
        // Written before state becomes POSTED and read after; the atomic orders them.
        private Body body;
        private int from;
        private int to;
        private RuntimeException failure;

        void post(Body body, int from, int to) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.failure = null;
            state.set(POSTED);
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        RuntimeException await() {
            long spinUntil = System.nanoTime() + AWAIT_SPIN_NANOS;
            while (state.get() != DONE && System.nanoTime() - spinUntil < 0) {
                Thread.onSpinWait();
            }
            if (state.get() != DONE) {
                // A helper the OS descheduled may then run on this core rather than watch us spin.
                waiter = Thread.currentThread();
                while (state.get() != DONE) {
                    LockSupport.parkNanos(this, 100_000);
                }
                waiter = null;
            }
            RuntimeException result = failure;
            body = null;
            state.set(IDLE);
            return result;
        }

        @Override
        public void run() {
            while (true) {
                awaitPost();
                try {
                    body.run(from, to);
                } catch (RuntimeException e) {
                    failure = e;
                } catch (Error e) {
                    failure = new IllegalStateException("a decode helper thread failed", e);
                }
                state.set(DONE);
                Thread parkedCaller = waiter;
                if (parkedCaller != null) {
                    LockSupport.unpark(parkedCaller);
                }
            }
        }

        private void awaitPost() {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (state.get() != POSTED) {
                if (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                // Checked again after announcing the park: a post in between would otherwise go unnoticed.
                if (state.get() != POSTED) {
                    LockSupport.park(this);
                }
                parked = false;
                deadline = System.nanoTime() + SPIN_NANOS;
            }
        }
    }
}
