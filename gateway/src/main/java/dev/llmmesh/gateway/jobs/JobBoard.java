package dev.llmmesh.gateway.jobs;

import dev.llmmesh.mesh.JobEvent;
import jakarta.inject.Singleton;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

/**
 * Every job's history and current view, folded from {@code llm.jobs.events}. The log is the source of truth:
 * this board is rebuilt by replaying it when the gateway starts, so nothing here needs saving.
 */
@Singleton
public class JobBoard {
    private final ConcurrentMap<String, History> jobs = new ConcurrentHashMap<>();

    /** Adds an event; an event identical to one already recorded (the gateway's own QUEUED coming back) is ignored. */
    public void apply(JobEvent event) {
        if (event.jobId() == null || event.state() == null) {
            throw new IllegalArgumentException("a job event needs jobId and state");
        }
        jobs.computeIfAbsent(event.jobId(), id -> new History()).add(event);
    }

    public Optional<JobView> view(String jobId) {
        History history = jobs.get(jobId);
        return history == null ? Optional.empty() : Optional.of(history.view());
    }

    /** Newest first. */
    public List<JobView> list(Predicate<JobView> filter, int limit) {
        return jobs.values().stream().map(History::view).filter(filter)
                .sorted(Comparator.comparing(JobView::createdAt).reversed()).limit(limit).toList();
    }

    /**
     * The job's events so far, then live ones until a terminal state; a client that connects late misses
     * nothing and one that connects to a finished job gets its whole history and the end of the stream.
     */
    public Flux<JobEvent> follow(String jobId) {
        History history = jobs.get(jobId);
        if (history == null) {
            return Flux.empty();
        }
        return Flux.create(history::subscribe);
    }

    private static final class History {
        private final List<JobEvent> events = new ArrayList<>();
        private final List<FluxSink<JobEvent>> followers = new ArrayList<>();
        private JobView view;

        synchronized void add(JobEvent event) {
            int from = Math.max(0, events.size() - 4);
            if (events.subList(from, events.size()).contains(event)) {
                return;
            }
            events.add(event);
            view = view == null ? JobView.first(event) : view.next(event);
            for (FluxSink<JobEvent> follower : List.copyOf(followers)) {
                follower.next(event);
                if (view.state().terminal()) {
                    follower.complete();
                }
            }
            if (view.state().terminal()) {
                followers.clear();
            }
        }

        synchronized JobView view() {
            return view;
        }

        /** Replay and registration happen under one lock, so no event falls between them. */
        synchronized void subscribe(FluxSink<JobEvent> sink) {
            events.forEach(sink::next);
            if (view.state().terminal()) {
                sink.complete();
                return;
            }
            followers.add(sink);
            sink.onDispose(() -> remove(sink));
        }

        private synchronized void remove(FluxSink<JobEvent> sink) {
            followers.remove(sink);
        }
    }
}
