package dev.llmmesh.launcher.demo;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Progress;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** How a job ended, as its last event said, and the progress it reported on the way. */
public record JobOutcome(JobEvent last, Duration took, List<Progress> progress) {
    public JobOutcome {
        progress = List.copyOf(progress);
    }

    public boolean succeeded() {
        return last.state() == JobState.SUCCEEDED;
    }

    public String message() {
        return last.message() == null ? last.state().name().toLowerCase() : last.message();
    }

    public Map<String, Object> result() {
        return last.result() == null ? Map.of() : last.result();
    }

    long resultLong(String key) {
        Object value = result().get(key);
        if (value instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalStateException("job " + last.jobId() + " reported no numeric '" + key + "' in its result "
                + result());
    }
}
