package dev.llmmesh.launcher.demo;

import dev.llmmesh.mesh.Ids;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Submits one demo job, says so, follows it with a progress bar and says how it ended. */
final class JobRunner {
    private final JobClient client;
    private final Duration timeout;
    private final PrintStream out;

    JobRunner(JobClient client, Duration timeout, PrintStream out) {
        this.client = client;
        this.timeout = timeout;
        this.out = out;
    }

    /** A job message: type and a fresh id first, then the job's own fields. */
    static Map<String, Object> job(String type, String idPrefix, Map<String, Object> fields) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", type);
        job.put("jobId", Ids.random(idPrefix));
        job.putAll(fields);
        return job;
    }

    /**
     * @param what       one line about the job, for the header
     * @param serviceLog where the service that runs it logs, named when it hangs
     */
    JobOutcome run(String topic, Map<String, Object> job, String what, Path serviceLog, JobProgressBar bar) {
        String jobId = (String) job.get("jobId");
        out.printf("%n==> %s: %s (job %s)%n", job.get("type"), what, jobId);
        out.flush();
        client.submit(topic, jobId, job);
        JobOutcome outcome = client.await(jobId, timeout, serviceLog, bar);
        out.printf("    %s after %.1f s: %s%n", outcome.succeeded() ? "done" : outcome.last().state(),
                outcome.took().toMillis() / 1000.0, outcome.message());
        return outcome;
    }
}
