package dev.llmmesh.gateway.evals;

import dev.llmmesh.mesh.Topics;
import dev.llmmesh.servicekit.TopicCatchUp;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * Whether the {@link EvalBoard} has read what {@code llm.eval.results} and {@code llm.eval.jobs} held when the
 * gateway started: until then "no such eval" or a short leaderboard could be wrong.
 */
@Singleton
public class EvalReplay {
    static final Duration WAIT = Duration.ofSeconds(10);

    final TopicCatchUp results;
    final TopicCatchUp requests;

    public EvalReplay(@Value("${kafka.bootstrap.servers}") String bootstrap) {
        this.results = new TopicCatchUp(bootstrap, Topics.EVAL_RESULTS);
        this.requests = new TopicCatchUp(bootstrap, Topics.EVAL_JOBS);
    }

    /** @return whether both were replayed within {@code timeout} */
    public boolean await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return results.await(timeout) && requests.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** Waits a little for the replay rather than answer from half of it; a 503 saying so past {@link #WAIT}. */
    void awaitOrUnavailable() {
        try {
            if (await(WAIT)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, null, "the gateway is still replaying "
                + "evaluations from Kafka; retry in a few seconds");
    }
}
