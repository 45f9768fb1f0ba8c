package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.stack.StackException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Submits one demo job through the gateway, says so, follows it with a progress bar and says how it ended. */
public final class JobRunner {
    private final GatewayClient gateway;
    private final JobFollower follower;
    private final PrintStream out;

    public JobRunner(GatewayClient gateway, JobFollower follower, PrintStream out) {
        this.gateway = gateway;
        this.follower = follower;
        this.out = out;
    }

    /**
     * @param submit     sends the job and returns the gateway's view of it (202)
     * @param what       one line about the job, for the header
     * @param serviceLog where the service that runs it logs, named when it hangs
     */
    public JobOutcome run(Supplier<JsonNode> submit, String what, Path serviceLog, JobProgressBar bar) {
        JsonNode view = submit.get();
        String jobId = view.path("id").asText();
        out.printf("%n==> %s: %s (job %s)%n", view.path("type").asText(), what, jobId);
        out.flush();
        JobOutcome outcome;
        try {
            outcome = follower.follow(jobId, serviceLog, bar);
        } catch (StackException e) {
            // The demo gives up on the job. Left behind, it would keep the cores busy for nothing, and a stack
            // stopped under it resumes it at the next start, ahead of the next demo's jobs.
            throw new StackException(e.getMessage() + (cancelQuietly(jobId) ? "; the job was cancelled" : ""), e);
        } catch (RuntimeException e) {
            cancelQuietly(jobId);
            throw e;
        }
        out.printf("    %s after %.1f s: %s%n", outcome.succeeded() ? "done" : outcome.last().state(),
                outcome.took().toMillis() / 1000.0, outcome.message());
        return outcome;
    }

    private boolean cancelQuietly(String jobId) {
        try {
            return gateway.cancel(jobId);
        } catch (StackException e) {
            return false;
        }
    }
}
