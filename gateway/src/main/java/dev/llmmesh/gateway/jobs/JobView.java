package dev.llmmesh.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Progress;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a client sees of a job: its latest state folded from its events.
 *
 * @param progress the latest progress report (absent once nothing more is running)
 * @param message  the latest message; for FAILED, the reason
 * @param result   what a finished job produced
 * @param events   how many events the job has had (the SSE stream replays them all)
 * @param field    for FAILED, the job's field at fault when the service named one
 * @param warnings only in the answer to a submission: deprecated fields it used, and what to send instead
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(String id, String type, JobState state, Instant createdAt, Instant updatedAt, Progress progress,
                      String message, Map<String, Object> result, int events, String field, List<String> warnings) {

    static JobView first(JobEvent event) {
        return new JobView(event.jobId(), event.jobType(), event.state(), event.time(), event.time(), event.progress(),
                event.message(), event.result(), 1, event.field(), null);
    }

    JobView withWarnings(List<String> list) {
        return new JobView(id, type, state, createdAt, updatedAt, progress, message, result, events, field,
                list.isEmpty() ? null : List.copyOf(list));
    }

    /**
     * A terminal state stays, and its message with it: a replica that finishes its last shard after another
     * replica has already reported the job done must not make it look running again.
     */
    JobView next(JobEvent event) {
        JobState nextState = state.terminal() ? state : event.state();
        String nextMessage = state.terminal() ? message : messageOf(event, message);
        return new JobView(id, type != null ? type : event.jobType(), nextState, createdAt, event.time(),
                event.progress() != null ? event.progress() : progress, nextMessage,
                event.result() != null ? event.result() : result, events + 1,
                state.terminal() ? field : event.field(), null);
    }

    /**
     * Progress events carry no message of their own; without one made from the progress a running job would
     * still say "submitted".
     */
    private static String messageOf(JobEvent event, String previous) {
        if (event.message() != null) {
            return event.message();
        }
        Progress p = event.progress();
        if (event.state() == JobState.RUNNING && p != null) {
            // Stage and unit are optional in a report; a missing one is left out rather than shown as "null".
            String count = p.done() + "/" + p.total() + (blank(p.unit()) ? "" : " " + p.unit());
            return "running: " + (blank(p.stage()) ? "" : p.stage() + ", ") + count;
        }
        return previous;
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }
}
