package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Progress;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Follows a job on the gateway's event stream ({@code GET /v1/jobs/{id}/events}) until it ends, drawing its
 * progress. The stream is read on a thread of its own so that this one always keeps the clock: a job that
 * overruns its time, or goes silent, ends the wait with a message instead of hanging the demo.
 */
public final class JobFollower {
    /** A job that says nothing for this long is stuck, or was never picked up. */
    static final Duration SILENCE_LIMIT = Duration.ofSeconds(120);
    /**
     * The stream replays a job's history, so a dropped connection costs nothing but a reconnect; how often it
     * may happen is bounded by the silence limit and the job's timeout, not by a count, so that a long job on a
     * flaky connection still gets followed to its end.
     */
    private static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(500);

    /** What the reading thread hands over: an event, or the end of the stream (with the error, if any). */
    private sealed interface Item permits Received, Ended {
    }

    private record Received(SseEvent event) implements Item {
    }

    private record Ended(RuntimeException error) implements Item {
    }

    private final GatewayClient gateway;
    private final Duration timeout;
    private final Duration silenceLimit;

    public JobFollower(GatewayClient gateway, Duration timeout) {
        this(gateway, timeout, SILENCE_LIMIT);
    }

    JobFollower(GatewayClient gateway, Duration timeout, Duration silenceLimit) {
        this.gateway = gateway;
        this.timeout = timeout;
        this.silenceLimit = silenceLimit;
    }

    /**
     * @param serviceLog named in every timeout, since that is where a stuck job explains itself
     * @param bar        draws the job's progress events; closed here
     */
    JobOutcome follow(String jobId, Path serviceLog, JobProgressBar bar) {
        long start = System.nanoTime();
        long lastHeard = start;
        List<Progress> progress = new ArrayList<>();
        // Replayed after a reconnect, an event is equal to the one first seen (same time, same progress).
        Set<JobEvent> seen = new HashSet<>();
        int reconnects = 0;
        try (bar) {
            while (true) {
                BlockingQueue<Item> items = new LinkedBlockingQueue<>();
                Stream<String> lines = gateway.jobEvents(jobId);
                Thread reader = Thread.ofPlatform().daemon().name("sse-" + jobId).start(() -> read(lines, items));
                try {
                    while (true) {
                        Item item = items.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
                        long now = System.nanoTime();
                        if (item instanceof Ended(RuntimeException error)) {
                            if (System.nanoTime() - lastHeard > silenceLimit.toNanos()) {
                                throw new StackException(silence(jobId, serviceLog) + (error == null ? ""
                                        : " (the event stream " + reconnects + " times ended early, last with "
                                        + error + ")"));
                            }
                            break;
                        }
                        if (item instanceof Received(SseEvent sse)) {
                            Optional<Parsed> parsed = parseWithTree(jobId, sse);
                            if (parsed.isEmpty() || !seen.add(parsed.get().event())) {
                                continue;
                            }
                            JobEvent event = parsed.get().event();
                            lastHeard = now;
                            if (event.state().terminal()) {
                                if (event.state() == JobState.SUCCEEDED) {
                                    bar.succeeded();
                                }
                                return new JobOutcome(event, Duration.ofNanos(now - start), progress);
                            }
                            if (event.progress() != null) {
                                progress.add(event.progress());
                            }
                            bar.observe(event, parsed.get().tree());
                        }
                        checkClock(jobId, serviceLog, now - start, now - lastHeard);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StackException("interrupted while following job " + jobId);
                } finally {
                    lines.close();
                    reader.interrupt();
                }
                reconnects++;
                pause(jobId);
                checkClock(jobId, serviceLog, System.nanoTime() - start, System.nanoTime() - lastHeard);
            }
        }
    }

    private void checkClock(String jobId, Path serviceLog, long elapsedNanos, long silentNanos) {
        if (elapsedNanos > timeout.toNanos()) {
            throw new StackException("job " + jobId + " did not finish within " + timeout.toSeconds() + " s; read "
                    + serviceLog + " (or allow more with --job-timeout)");
        }
        if (silentNanos > silenceLimit.toNanos()) {
            throw new StackException(silence(jobId, serviceLog));
        }
    }

    private String silence(String jobId, Path serviceLog) {
        return "no event about job " + jobId + " for " + silenceLimit.toSeconds() + " s: the service has not picked "
                + "it up or is stuck; read " + serviceLog + " (`curl -s " + gateway.base() + "v1/jobs/" + jobId
                + "` shows where the gateway thinks it is)";
    }

    private static void pause(String jobId) {
        try {
            Thread.sleep(RECONNECT_PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while following job " + jobId);
        }
    }

    private static void read(Stream<String> lines, BlockingQueue<Item> items) {
        SseReader reader = new SseReader();
        try {
            lines.forEach(line -> reader.line(line).ifPresent(event -> items.add(new Received(event))));
            items.add(new Ended(null));
        } catch (RuntimeException e) {
            // Closing the stream from the other side ends up here too; the follower has stopped listening by then.
            items.add(new Ended(e));
        }
    }

    /** A job event, and the JSON it came as (which may hold fields newer than {@link JobEvent}). */
    private record Parsed(JobEvent event, JsonNode tree) {
    }

    /**
     * The job event an SSE event carries; empty for anything else on the stream (a server's error report when
     * the stream breaks, say), which tells nothing about the job.
     */
    static Optional<JobEvent> parse(String jobId, SseEvent sse) {
        return parseWithTree(jobId, sse).map(Parsed::event);
    }

    private static Optional<Parsed> parseWithTree(String jobId, SseEvent sse) {
        try {
            JsonNode tree = Json.LENIENT.readTree(sse.data());
            JobEvent event = tree == null || !tree.isObject() ? null : Json.LENIENT.treeToValue(tree, JobEvent.class);
            return event != null && event.state() != null && jobId.equals(event.jobId())
                    ? Optional.of(new Parsed(event, tree)) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }
}
